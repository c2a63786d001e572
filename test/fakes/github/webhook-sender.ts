import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { JobQueue, JobTransition } from "./job-queue.ts";
import type { FakeJob } from "./types.ts";
import { workflowJobPayload } from "./workflow-json.ts";

/** One delivery attempt, as GitHub's "Recent Deliveries" page shows it. */
export interface DeliveryRecord {
  /** X-GitHub-Delivery: the same on a redelivery. */
  readonly guid: string;
  readonly event: string;
  readonly action: string | undefined;
  readonly jobId: number | undefined;
  readonly redelivery: boolean;
  /** The answer's status; 0 when none came (refused, reset, or no answer within 10 s). */
  status: number;
  /** Milliseconds from sending to the answer. */
  durationMs: number;
  readonly body: string;
}

export interface WebhookSpec {
  readonly url: string;
  readonly secret: string;
}

/** GitHub gives a receiver this long, then marks the delivery failed (and never retries it by itself). */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * A repository webhook for `workflow_job`: every job transition of the fake
 * is POSTed to `url`, signed with `secret` (X-Hub-Signature-256 over the
 * raw body), with GitHub's headers. Deliveries go out concurrently, so they
 * may arrive out of order, as GitHub's do. A failed delivery is recorded,
 * not retried.
 */
export class FakeWebhook {
  readonly id: number;
  readonly #spec: WebhookSpec;
  readonly #records: DeliveryRecord[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #drops: ((action: JobTransition, job: FakeJob) => boolean)[] = [];
  readonly #apiBase: string;
  readonly #webBase: string;
  readonly #listener: (job: FakeJob, action: JobTransition) => void;
  readonly #jobs: JobQueue;
  #held: { event: string; body: string; guid: string; action: string; jobId: number }[] | undefined;

  constructor(id: number, spec: WebhookSpec, jobs: JobQueue, webBase: string) {
    this.id = id;
    this.#spec = spec;
    this.#jobs = jobs;
    this.#webBase = webBase;
    this.#apiBase = `${webBase}/api/v3`;
    this.#listener = (job, action) => {
      const drop = this.#drops.findIndex((d) => d(action, job));
      if (drop >= 0) return;
      const body = JSON.stringify(workflowJobPayload(action, job, this.#apiBase, this.#webBase));
      if (this.#held) return void this.#held.push({ event: "workflow_job", body, guid: randomUUID(), action, jobId: job.id });
      void this.#send("workflow_job", body, randomUUID(), false, action, job.id);
    };
    jobs.on("transition", this.#listener);
  }

  /** GitHub's ping, sent when a hook is created. */
  ping(): Promise<void> {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: this.id, hook: { type: "Repository", id: this.id, events: ["workflow_job"], active: true } });
    return this.#send("ping", body, randomUUID(), false, undefined, undefined);
  }

  /** Transitions matching `match` are never delivered (a lost delivery); returns the function that ends it. */
  drop(match: (action: JobTransition, job: FakeJob) => boolean): () => void {
    this.#drops.push(match);
    return () => {
      const i = this.#drops.indexOf(match);
      if (i >= 0) this.#drops.splice(i, 1);
    };
  }

  /**
   * Holds deliveries back until the returned function sends them, one after
   * the other, in the order they were made or reversed (GitHub does not
   * promise any order).
   */
  hold(): (order?: "made" | "reversed") => Promise<void> {
    this.#held = [];
    return async (order = "made") => {
      const held = this.#held ?? [];
      this.#held = undefined;
      if (order === "reversed") held.reverse();
      for (const d of held) await this.#send(d.event, d.body, d.guid, false, d.action, d.jobId);
    };
  }

  /** Every delivery so far, oldest first. */
  deliveries(): DeliveryRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  /** Sends a recorded delivery again, same body and X-GitHub-Delivery, as GitHub's "Redeliver" button. */
  redeliver(guid: string): Promise<void> {
    const r = this.#records.find((d) => d.guid === guid);
    if (!r) throw new Error(`no delivery ${guid}`);
    return this.#send(r.event, r.body, r.guid, true, r.action, r.jobId);
  }

  /** Resolves once every delivery sent so far has its answer (or its failure). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  remove(): void {
    this.#jobs.off("transition", this.#listener);
  }

  #send(event: string, body: string, guid: string, redelivery: boolean, action: string | undefined, jobId: number | undefined): Promise<void> {
    const record: DeliveryRecord = { guid, event, action, jobId, redelivery, status: 0, durationMs: 0, body };
    this.#records.push(record);
    const started = performance.now();
    const p = (async () => {
      try {
        const res = await fetch(this.#spec.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "GitHub-Hookshot/fake",
            "x-github-event": event,
            "x-github-delivery": guid,
            "x-github-hook-id": String(this.id),
            "x-github-hook-installation-target-type": "repository",
            "x-hub-signature-256": await sign(this.#spec.secret, body),
          },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        record.status = res.status;
      } catch {
        record.status = 0;
      } finally {
        record.durationMs = performance.now() - started;
      }
    })();
    const tracked = p.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return p;
  }
}
