import type { Config } from "../config/load-config.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import type { Logger } from "../log/logger.ts";
import type { ContainerEngine } from "./container-engine.ts";
import type { EntryMetrics } from "./controller-metrics.ts";
import type { ControllerSettings } from "./controller-settings.ts";
import type { JobBook } from "./job-book.ts";
import type { RunnerPool } from "./runner-pool.ts";

/** What the controller's parts share: its settings, its two outside worlds, its books, and its pacing. */
export interface ControllerCore {
  readonly config: Config;
  readonly settings: ControllerSettings;
  readonly engine: ContainerEngine;
  readonly api: RunnerApi;
  readonly log: Logger;
  readonly metrics: EntryMetrics;
  readonly jobs: JobBook;
  readonly pool: RunnerPool;
  /** The runner group id of generate-jitconfig, resolved once at start. */
  readonly runnerGroupId: number;
  /** Aborted by the stop signal. */
  readonly stopping: AbortSignal;
  /** Aborted when the stop is over (or on halt): background work still running gives up. */
  readonly ended: AbortSignal;
  now(): number;
  /** Schedules a scaling pass (coalesced; the caller never waits for it). */
  scaleSoon(): void;
  /** Schedules a save of the state (throttled). */
  saveSoon(): void;
  /** A runner failed before serving (start error, exit, boot timeout): starts back off. */
  runnerFailed(): void;
  /** A runner reached "Listening for Jobs": the image works, the backoff resets. */
  runnerHealthy(): void;
  /** Keeps background work (launches, removals) known, so that the stop can wait for it. */
  background(work: Promise<unknown>): void;
}

/** The prefix of every runner name of this controller: what it may remove when no container holds it. */
export function runnerNamePrefix(core: Pick<ControllerCore, "config" | "settings">): string {
  return `${core.config.RUNNER_NAME_PREFIX}-${core.settings.runnerKey}-`;
}
