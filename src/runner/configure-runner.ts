import type { Config } from "../config/load-config.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { runConfigSh } from "./run-config-sh.ts";

export class RunnerConfigError extends BootError {}

export interface ConfigureOptions {
  readonly name: string;
  readonly token: string;
  readonly exported: ReadonlyMap<string, string>;
  readonly stopping: AbortSignal;
}

/** `config.sh --unattended ...` as the runner user; throws RunnerConfigError with config.sh's last error line. */
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
  ];
  const { code, lines } = await runConfigSh(config, log, args, opts.token, opts.exported, opts.stopping);
  if (opts.stopping.aborted) throw new RunnerConfigError(`${config.runnerDir}/config.sh was interrupted by the stop`);
  if (code !== 0) {
    const last = lines.filter((l) => !/^[√#]/.test(l)).at(-1) ?? "no output";
    throw new RunnerConfigError(`${config.runnerDir}/config.sh failed with exit code ${code}: ${last}`);
  }
}
