import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import type { Config } from "../config/load-config.ts";
import type { Logger } from "../log/logger.ts";
import { runnerEnv } from "./runner-env.ts";
import { startProcess, type ProcessHandle } from "../process/start-process.ts";
import { parseListenerLine, type ListenerEvent } from "./parse-listener-line.ts";

/** The name the image gives the runner's own run.sh, since /home/runner/run.sh (ARC's command) is the supervisor. */
export const RENAMED_RUN_SH = "run-runner.sh";

/** The runner's own run.sh: run-runner.sh in the image, run.sh in a directory laid out as the release tarball. */
export function runnerRunScript(runnerDir: string): string {
  const renamed = `${runnerDir}/${RENAMED_RUN_SH}`;
  return existsSync(renamed) ? renamed : `${runnerDir}/run.sh`;
}

/** The first of the runner's scripts this configuration needs that RUNNER_DIR lacks (config.sh unless JIT, run.sh). */
export function missingRunnerFile(config: Pick<Config, "runnerDir" | "credentials" | "RUNNER_JIT">): string | undefined {
  const runScript = runnerRunScript(config.runnerDir);
  const needed = config.credentials?.kind === "jit" || config.RUNNER_JIT ? [runScript] : [`${config.runnerDir}/config.sh`, runScript];
  return needed.find((file) => !existsSync(file));
}

/** How long the runner gets to exit after SIGINT before its group is killed. */
const EXIT_GRACE_MS = 30_000;

/** The runner's own run.sh in its own process group; its output is relayed, and each line it understands is an `event`. */
export class RunnerProcess extends EventEmitter<{ event: [ListenerEvent] }> {
  readonly proc: ProcessHandle;
  #busyJob: string | undefined;

  constructor(config: Config, exported: ReadonlyMap<string, string>, extraEnv: Record<string, string>, log: Logger) {
    super();
    this.proc = startProcess(runnerRunScript(config.runnerDir), [], {
      user: config.runnerUser,
      // RUNNER_MANUALLY_TRAP_SIG: run.sh then forwards INT/TERM to the listener's group instead of ignoring them.
      env: runnerEnv(config, exported, { ...extraEnv, RUNNER_MANUALLY_TRAP_SIG: "1" }),
      cwd: config.runnerDir,
      log,
      // Its exit starts the shutdown even if something it left still holds its output.
      leavesBackground: true,
      onLine: (line) => {
        log.relay(line);
        const ev = parseListenerLine(line);
        if (!ev) return;
        if (ev.kind === "job-started") this.#busyJob = ev.job;
        else if (ev.kind === "job-completed") this.#busyJob = undefined;
        this.emit("event", ev);
      },
    });
  }

  /** The job the runner is running, as its output last said. */
  get busyJob(): string | undefined {
    return this.#busyJob;
  }

  /** SIGINT (a running job is cancelled), SIGKILL after EXIT_GRACE_MS; then the job processes left in its group. */
  async stop(): Promise<void> {
    if (this.proc.running) await this.proc.terminate("SIGINT", EXIT_GRACE_MS);
    this.proc.signalGroup("SIGKILL");
  }

  /** Resolves at the next "Job ... completed" line, at the runner's exit, or when `signal` aborts. */
  jobEnd(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.off("event", onEvent);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const onEvent = (ev: ListenerEvent) => {
        if (ev.kind === "job-completed") done();
      };
      this.on("event", onEvent);
      signal.addEventListener("abort", done, { once: true });
      void this.proc.result.then(done);
    });
  }
}
