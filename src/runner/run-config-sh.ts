import type { Config } from "../config/load-config.ts";
import type { Logger } from "../log/logger.ts";
import { runProcess } from "../process/start-process.ts";
import { runnerEnv } from "./runner-env.ts";

/**
 * `config.sh ARGS` as the runner user in the runner dir, its output relayed.
 * The token goes through ACTIONS_RUNNER_INPUT_TOKEN, never argv, so that no
 * other process can read it from /proc/<pid>/cmdline. Aborting `stopOn`
 * stops it. Resolves with the exit code and the non-empty output lines.
 */
export async function runConfigSh(
  config: Config,
  log: Logger,
  args: readonly string[],
  token: string,
  exported: ReadonlyMap<string, string>,
  stopOn: AbortSignal,
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const { code } = await runProcess(`${config.runnerDir}/config.sh`, args, {
    user: config.runnerUser,
    env: runnerEnv(config, exported, { ACTIONS_RUNNER_INPUT_TOKEN: token }),
    cwd: config.runnerDir,
    log,
    cancelSignal: stopOn,
    onLine: (line) => {
      log.relay(line);
      if (line.trim()) lines.push(line.trim());
    },
  });
  return { code, lines };
}
