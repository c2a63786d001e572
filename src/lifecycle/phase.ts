import type { Config } from "../config/load-config.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import type { Logger } from "../log/logger.ts";
import type { StateStore } from "./state-store.ts";

/** Why the supervisor is stopping; decides the exit code. */
export type StopReason =
  | { kind: "signal"; signal: NodeJS.Signals }
  | { kind: "runner-exit"; code: number }
  /** `drain`: the runner still works, so a running job finishes first (a bug in the supervisor, not in the runner). */
  | { kind: "failure"; code: number; message: string; drain?: boolean };

/** What the runner phase learns, for the phases that need it; the state file reports the same, and is never read back. */
export interface RunnerFacts {
  /** Our registration's name, once chosen. */
  name?: string;
  /** When the runner first said "Listening for Jobs" (the end of the boot). */
  listeningSince?: Date;
}

/** What phases share. Phases add what later phases need (env from hooks, background work). */
export interface Context {
  readonly config: Config;
  readonly log: Logger;
  /** An output only: the state file for `ci-runner health` and operators. */
  readonly state: StateStore;
  readonly startedAt: Date;
  /**
   * The one RunnerApi of the run, connected on first use and shared by the
   * runner, the offline cleanup and the metrics (one App installation
   * lookup, one connection pool). A failed connect is not kept.
   */
  readonly github: () => Promise<RunnerApi>;
  readonly runner: RunnerFacts;
  /** Aborted when a stop begins: long-running starts (warm start, retries) give up promptly. */
  readonly stopping: AbortSignal;
  /**
   * Aborted when the drain must end now (a second stop signal, or
   * SHUTDOWN_TIMEOUT_SEC): the running job is cancelled and the stop moves on.
   */
  readonly escalated: AbortSignal;
  /** Starts the shutdown from inside (runner exited, watchdog, spot notice); the first reason wins. */
  requestStop(reason: StopReason): void;
  /** Variables exported by hooks through $CI_RUNNER_ENV; passed to later hooks and the runner. */
  readonly exportedEnv: Map<string, string>;
  /** Background work the runner's start waits for (warm start), keyed by phase name. Never rejects. */
  readonly background: Map<string, Promise<void>>;
}

/** One step of the lifecycle: `start` in order at boot, `stop` of every started phase in reverse, exactly once. */
export interface Phase {
  readonly name: string;
  start(ctx: Context): Promise<void>;
  stop?(ctx: Context, reason: StopReason): Promise<void>;
}
