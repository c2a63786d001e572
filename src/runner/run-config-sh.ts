import { EXIT_CONFIG } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { runProcess } from "../process/start-process.ts";
import { unknownRunnerGroup } from "./register-jit.ts";
import { runnerEnv } from "./runner-env.ts";

/**
 * `config.sh ARGS` as the runner user, its output relayed. The token goes through ACTIONS_RUNNER_INPUT_TOKEN,
 * never argv, which any process can read in /proc/<pid>/cmdline. Resolves with the code and the non-empty lines.
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

/**
 * config.sh's refusals that only it can tell and that name a setting: exit 78 naming the variable, as the
 * supervisor's own checks (nothing is registered then). Its lines, as actions/runner's ConfigurationManager prints them.
 */
function settingAtFault(config: Config, lines: readonly string[]): BootError | undefined {
  if (config.RUNNER_GROUP && lines.some((l) => l.startsWith("Could not find any self-hosted runner group named"))) return unknownRunnerGroup(config);
  // An expired (one hour) or mistyped token: GitHub answers 404 to the runner's registration.
  if (config.credentials?.kind === "runner-token" && lines.some((l) => /^Http response code: NotFound from 'POST \S*\/actions\/runner-registration'/.test(l))) {
    return new BootError(
      "GH_RUNNER_TOKEN: GitHub does not know this registration token (404 from actions/runner-registration): it is valid one hour; get a fresh one, or use GH_TOKEN or a GitHub App",
      EXIT_CONFIG,
    );
  }
  return undefined;
}

/** `config.sh --unattended ...`: registers the runner as `name`; a BootError with config.sh's last error line when it fails. */
export async function configureRunner(config: Config, log: Logger, name: string, token: string, exported: ReadonlyMap<string, string>, stopping: AbortSignal): Promise<void> {
  const args = [
    "--unattended",
    "--url", config.scope?.url ?? "",
    "--name", name,
    "--labels", (config.GH_LABELS ?? []).join(","),
    "--work", config.WORK_DIR,
    "--disableupdate",
    "--replace",
    ...(config.RUNNER_GROUP ? ["--runnergroup", config.RUNNER_GROUP] : []),
    ...(config.RUNNER_EPHEMERAL ? ["--ephemeral"] : []),
    ...(config.RUNNER_NO_DEFAULT_LABELS ? ["--no-default-labels"] : []),
  ];
  const { code, lines } = await runConfigSh(config, log, args, token, exported, stopping);
  if (stopping.aborted) throw new BootError(`${config.runnerDir}/config.sh was interrupted by the stop`);
  if (code !== 0) {
    const setting = settingAtFault(config, lines);
    if (setting) throw setting;
    const last = lines.filter((l) => !/^[√#]/.test(l)).at(-1) ?? "no output";
    throw new BootError(`${config.runnerDir}/config.sh failed with exit code ${code}: ${last}`);
  }
}
