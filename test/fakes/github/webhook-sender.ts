import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { JobQueue, JobTransition } from "./job-queue.ts";
import { scopeHoldsRepository } from "./scope.ts";
import type { FakeJob } from "./types.ts";
import { workflowJobPayload } from "./workflow-json.ts";

/** One delivery attempt, as GitHub's "Recent Deliveries" page shows it. */
export interface DeliveryRecord {
  /** The attempt's own id (the deliveries API's `id`): a redelivery gets a new one. */
  readonly id: number;
  /** ISO time of the attempt. */
  readonly deliveredAt: string;
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
  /** Only jobs of this repository (`repos/o/r`) or organization (`orgs/o`); default: every job. */
  readonly scope?: string;
  /** Default ["workflow_job"]; a hook without workflow_job (or "*") delivers no job. */
  readonly events?: readonly string[];
  /** Default true: an inactive hook delivers nothing. */
  readonly active?: boolean;
}

/** Delivery ids are unique across the fakes of a process, as GitHub's are across hooks. */
let lastDeliveryId = 0;

/** Whether a job of `repository` (owner/repo) is in `scope` (`repos/o/r`, `orgs/o`; undefined: all). */
function inScope(scope: string | undefined, repository: string): boolean {
  return scope === undefined || scopeHoldsRepository(scope, repository);
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
  #spec: WebhookSpec;
  readonly #failures: { match: (action: JobTransition, job: FakeJob) => boolean; status: number }[] = [];
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
      const { scope, events = ["workflow_job"], active = true } = this.#spec;
      if (!active || !inScope(scope, job.repository) || !events.some((e) => e === "workflow_job" || e === "*")) return;
      const drop = this.#drops.findIndex((d) => d(action, job));
      if (drop >= 0) return;
      const body = JSON.stringify(workflowJobPayload(action, job, this.#apiBase, this.#webBase));
      const failure = this.#failures.find((f) => f.match(action, job));
      if (failure) return void this.#record("workflow_job", body, randomUUID(), false, action, job.id, failure.status);
      if (this.#held) return void this.#held.push({ event: "workflow_job", body, guid: randomUUID(), action, jobId: job.id });
      void this.#send("workflow_job", body, randomUUID(), false, action, job.id);
    };
    jobs.on("transition", this.#listener);
  }

  /** What it delivers, where, signed with what: a PATCH of the hook changes them for later deliveries. */
  get spec(): WebhookSpec {
    return this.#spec;
  }

  set spec(next: WebhookSpec) {
    this.#spec = next;
  }

  /** GitHub's ping, sent when a hook is created. */
  ping(): Promise<void> {
    const type = this.#spec.scope?.startsWith("orgs/") ? "Organization" : "Repository";
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: this.id, hook: { type, id: this.id, events: this.#spec.events ?? ["workflow_job"], active: true } });
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
   * Transitions matching `match` are recorded as failed with `status` (what
   * GitHub shows when a proxy answered 502, or 0: it could not connect) and
   * never reach the receiver, until the returned function ends it. The
   * deliveries API lists them, and they can be redelivered.
   */
  fail(match: (action: JobTransition, job: FakeJob) => boolean, status = 502): () => void {
    const failure = { match, status };
    this.#failures.push(failure);
    return () => {
      const i = this.#failures.indexOf(failure);
      if (i >= 0) this.#failures.splice(i, 1);
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

  /** Makes every delivery so far `ms` older, as if sent then (for a listing that stops at a time). */
  age(ms: number): void {
    // In place: an attempt in flight still gets its answer recorded.
    for (const r of this.#records) (r as { deliveredAt: string }).deliveredAt = new Date(Date.parse(r.deliveredAt) - ms).toISOString();
  }

  /** Sends a recorded delivery again, same body and X-GitHub-Delivery, as GitHub's "Redeliver" button. */
  redeliver(guid: string): Promise<void> {
    const r = this.#records.find((d) => d.guid === guid);
    if (!r) throw new Error(`no delivery ${guid}`);
    return this.#send(r.event, r.body, r.guid, true, r.action, r.jobId);
  }

  /** The attempt with this id (the deliveries API's), if any. */
  delivery(id: number): DeliveryRecord | undefined {
    const r = this.#records.find((d) => d.id === id);
    return r && { ...r };
  }

  /** The deliveries API's redelivery: a new attempt of attempt `id`; false when there is no such attempt. */
  redeliverAttempt(id: number): boolean {
    const r = this.#records.find((d) => d.id === id);
    if (!r) return false;
    void this.#send(r.event, r.body, r.guid, true, r.action, r.jobId);
    return true;
  }

  /** Resolves once every delivery sent so far has its answer (or its failure). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  remove(): void {
    this.#jobs.off("transition", this.#listener);
  }

  #record(event: string, body: string, guid: string, redelivery: boolean, action: string | undefined, jobId: number | undefined, status = 0): DeliveryRecord {
    const record: DeliveryRecord = { id: ++lastDeliveryId, deliveredAt: new Date().toISOString(), guid, event, action, jobId, redelivery, status, durationMs: 0, body };
    this.#records.push(record);
    this.onRecord?.();
    return record;
  }

  /** Called when an attempt is recorded and when its answer comes (the fake's waitFor re-checks then). */
  onRecord: (() => void) | undefined;

  #send(event: string, body: string, guid: string, redelivery: boolean, action: string | undefined, jobId: number | undefined): Promise<void> {
    const record = this.#record(event, body, guid, redelivery, action, jobId);
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
            "x-github-hook-installation-target-type": this.#spec.scope?.startsWith("orgs/") ? "organization" : "repository",
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
        this.onRecord?.();
      }
    })();
    const tracked = p.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return p;
  }
}
