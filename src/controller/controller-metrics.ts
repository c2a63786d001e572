import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DeliveryResult } from "./http-server.ts";
import type { PhaseCounts } from "./runner-pool.ts";

/** What one controller (one scope, one entry) records. */
export interface EntryMetrics {
  delivery(result: DeliveryResult): void;
  /** A job's time in the queue, from its queued time to its start (epoch ms); unknown times count nothing. */
  queueTime(queuedAt: number | undefined, startedAt: number): void;
  started(): void;
  removed(reason: string): void;
}

/** What a scrape shows of one entry right now. */
export interface EntryState {
  readonly entry: string | undefined;
  readonly pending: number;
  readonly runners: PhaseCounts;
}

/**
 * The controller's Prometheus metrics (GET /metrics), on a registry of its
 * own. With REPOS_CONFIG_FILE (`byEntry`) every series carries the label
 * `entry` (the entry's id); the single-scope mode's series have none.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #byEntry: boolean;
  readonly #pending: Gauge;
  readonly #runners: Gauge;
  readonly #deliveries: Counter;
  readonly #queue: Histogram;
  readonly #started: Counter;
  readonly #removed: Counter;

  constructor(byEntry = false) {
    this.#byEntry = byEntry;
    const e = byEntry ? ["entry"] : [];
    const registers = [this.registry];
    this.#pending = new Gauge({ name: "ci_runner_controller_jobs_pending", help: "Jobs of ours queued and waiting for a runner", labelNames: e, registers });
    this.#runners = new Gauge({ name: "ci_runner_controller_runners", help: "Runner containers by state", labelNames: [...e, "state"], registers });
    this.#deliveries = new Counter({ name: "ci_runner_controller_webhook_deliveries_total", help: "POST /webhook answers by result", labelNames: [...e, "result"], registers });
    this.#queue = new Histogram({
      name: "ci_runner_controller_job_queue_seconds",
      help: "From a job's queued event to its in_progress event",
      labelNames: e,
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.#started = new Counter({ name: "ci_runner_controller_runners_started_total", help: "Runner containers started", labelNames: e, registers });
    this.#removed = new Counter({ name: "ci_runner_controller_runners_removed_total", help: "Runner containers that ended, by why", labelNames: [...e, "reason"], registers });
  }

  #labels(entry: string | undefined): Record<string, string> {
    return this.#byEntry && entry !== undefined ? { entry } : {};
  }

  /** The recorder of one entry (undefined: the single scope). */
  of(entry: string | undefined): EntryMetrics {
    const l = this.#labels(entry);
    return {
      delivery: (result) => this.#deliveries.inc({ ...l, result }),
      queueTime: (queuedAt, startedAt) => {
        if (queuedAt !== undefined && startedAt >= queuedAt) this.#queue.observe(l, (startedAt - queuedAt) / 1000);
      },
      started: () => this.#started.inc(l),
      removed: (reason) => this.#removed.inc({ ...l, reason }),
    };
  }

  /** An entry gone from REPOS_CONFIG_FILE (and drained): its gauges leave the scrape; its counters stay until the restart. */
  forget(entry: string): void {
    if (!this.#byEntry) return;
    this.#pending.remove({ entry });
    for (const state of ["starting", "idle", "busy", "stopping"]) this.#runners.remove({ entry, state });
  }

  /** Gauges are set from the current state just before each scrape. */
  async render(states: readonly EntryState[]): Promise<{ contentType: string; body: string }> {
    for (const s of states) {
      const l = this.#labels(s.entry);
      this.#pending.set(l, s.pending);
      for (const [state, n] of Object.entries(s.runners)) this.#runners.set({ ...l, state }, n);
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
