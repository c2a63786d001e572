import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DeliveryResult } from "./http-server.ts";
import type { PhaseCounts } from "./runner-pool.ts";

/** The controller's Prometheus metrics (GET /metrics), on a registry of its own. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #pending = new Gauge({ name: "ci_runner_controller_jobs_pending", help: "Jobs of ours queued and waiting for a runner", registers: [this.registry] });
  readonly #runners = new Gauge({ name: "ci_runner_controller_runners", help: "Runner containers by state", labelNames: ["state"] as const, registers: [this.registry] });
  readonly #deliveries = new Counter({
    name: "ci_runner_controller_webhook_deliveries_total",
    help: "POST /webhook answers by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly #queue = new Histogram({
    name: "ci_runner_controller_job_queue_seconds",
    help: "From a job's queued event to its in_progress event",
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly #started = new Counter({ name: "ci_runner_controller_runners_started_total", help: "Runner containers started", registers: [this.registry] });
  readonly #removed = new Counter({
    name: "ci_runner_controller_runners_removed_total",
    help: "Runner containers that ended, by why",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  delivery(result: DeliveryResult): void {
    this.#deliveries.inc({ result });
  }

  /** A job's time in the queue, from its queued time to its start (epoch ms); unknown times count nothing. */
  queueTime(queuedAt: number | undefined, startedAt: number): void {
    if (queuedAt !== undefined && startedAt >= queuedAt) this.#queue.observe((startedAt - queuedAt) / 1000);
  }

  started(): void {
    this.#started.inc();
  }

  removed(reason: string): void {
    this.#removed.inc({ reason });
  }

  /** Gauges are set from the current state just before each scrape. */
  async render(pending: number, runners: PhaseCounts): Promise<{ contentType: string; body: string }> {
    this.#pending.set(pending);
    for (const [state, n] of Object.entries(runners)) this.#runners.set({ state }, n);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
