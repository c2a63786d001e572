import type { Config } from "../config/load-config.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { childEnv } from "../process/child-env.ts";
import { ManagedProcess } from "../process/managed-process.ts";

export class RunnerConfigError extends BootError {}

export interface ConfigureOptions {
  readonly name: string;
  readonly token: string;
  readonly exported: ReadonlyMap<string, string>;
  readonly extraArgs?: readonly string[];
  readonly stopping: AbortSignal;
}

/**
 * `config.sh --unattended ...` as the runner user. The registration token
 * goes through ACTIONS_RUNNER_INPUT_TOKEN, not argv, so that no other process
 * can read it from /proc/<pid>/cmdline.
 */
export async function configureRunner(config: Config, log: Logger, opts: ConfigureOptions): Promise<void> {
  const args = [
    "--unattended",
    "--url", config.scope?.url ?? "",
    "--name", opts.name,
    "--labels", (config.GH_LABELS ?? []).join(","),
    "--work", config.WORK_DIR,
    "--disableupdate",
    "--replace",
    ...(config.RUNNER_GROUP ? ["--runnergroup", config.RUNNER_GROUP] : []),
    ...(config.RUNNER_EPHEMERAL ? ["--ephemeral"] : []),
    ...(config.RUNNER_NO_DEFAULT_LABELS ? ["--no-default-labels"] : []),
    ...(opts.extraArgs ?? []),
  ];
  const env: Record<string, string> = { ...childEnv(config.runnerUser, opts.exported), ACTIONS_RUNNER_INPUT_TOKEN: opts.token };
  if (config.runnerUser.uid === 0) env.RUNNER_ALLOW_RUNASROOT = "1";
  const tail: string[] = [];
  const proc = new ManagedProcess(config.runnerUser, `${config.runnerDir}/config.sh`, args, {
    env,
    cwd: config.runnerDir,
    log,
    onLine: (line) => {
      log.relay(line);
      if (line.trim()) tail.push(line.trim());
      if (tail.length > 5) tail.shift();
    },
  });
  const onStop = () => void proc.terminate("SIGTERM", 5000);
  opts.stopping.addEventListener("abort", onStop, { once: true });
  const { code } = await proc.exited;
  opts.stopping.removeEventListener("abort", onStop);
  if (opts.stopping.aborted) throw new RunnerConfigError(`${config.runnerDir}/config.sh was interrupted by the stop`);
  if (code !== 0) {
    const last = tail.filter((l) => !/^[√#]/.test(l)).at(-1) ?? "no output";
    throw new RunnerConfigError(`${config.runnerDir}/config.sh failed with exit code ${code}: ${last}`);
  }
}
