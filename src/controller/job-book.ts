import { JOB_STATES, type JobState, type WorkflowJobEvent } from "./workflow-job-event.ts";

/** One job of ours, by its `workflow_job.id`. */
export interface JobRecord {
  readonly id: number;
  readonly runId: number;
  readonly repository: string;
  readonly labels: readonly string[];
  readonly state: JobState;
  /** When the controller first knew it queued (epoch ms): the start of its queue time. */
  readonly queuedAt: number | undefined;
  readonly updatedAt: number;
  /** Counted done because a listing of GitHub's queue did not show it (see markGone), not because a delivery said so. */
  readonly gone?: true;
}

/** What applying an event changed. */
export type JobChange =
  | { readonly kind: "new"; readonly job: JobRecord }
  | { readonly kind: "advanced"; readonly job: JobRecord; readonly from: JobState }
  | { readonly kind: "revived"; readonly job: JobRecord }
  | { readonly kind: "unchanged"; readonly job: JobRecord };

/** Done jobs are remembered this long, so a late redelivery of `queued` does not count them again. */
const DONE_KEPT_MS = 24 * 3600_000;
/** And at most this many (oldest forgotten first): the book is saved whole on every change. */
const DONE_KEPT_MAX = 20_000;
/** GitHub cancels a job that waited 24 h; one we never heard of again is dropped after a while longer. */
const STALE_MS = 26 * 3600_000;

const rank = (s: JobState): number => JOB_STATES.indexOf(s);

/**
 * The demand: our jobs keyed by `workflow_job.id`. A job's state only moves
 * forward (waiting, queued, in_progress, completed), so a duplicate, a
 * redelivery, events out of order or a re-run resending `completed` change
 * nothing. Pending = jobs in state `queued`. Runners are never bound to
 * jobs: any idle runner with the labels takes any queued job.
 */
export class JobBook {
  readonly #jobs = new Map<number, JobRecord>();

  apply(ev: WorkflowJobEvent, now = Date.now(), source: "webhook" | "reconcile" = "webhook"): JobChange {
    const old = this.#jobs.get(ev.id);
    // A listing that missed it is no proof it was taken: GitHub's queue listed again, it is ours again.
    if (old?.gone && source === "reconcile" && ev.state === "queued") {
      const job: JobRecord = { id: old.id, runId: old.runId, repository: old.repository, labels: old.labels, state: "queued", queuedAt: old.queuedAt, updatedAt: now };
      this.#jobs.set(ev.id, job);
      return { kind: "revived", job };
    }
    if (old && rank(ev.state) <= rank(old.state)) return { kind: "unchanged", job: old };
    const job: JobRecord = {
      id: ev.id,
      runId: ev.runId,
      repository: ev.repository,
      labels: [...ev.labels],
      state: ev.state,
      queuedAt: old?.queuedAt ?? (ev.state === "queued" ? now : undefined),
      updatedAt: now,
    };
    this.#jobs.set(ev.id, job);
    return old ? { kind: "advanced", job, from: old.state } : { kind: "new", job };
  }

  get(id: number): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  /** Jobs waiting for a runner, oldest first. */
  pending(): JobRecord[] {
    return [...this.#jobs.values()].filter((j) => j.state === "queued");
  }

  /** How many jobs are in each state. */
  counts(): Record<JobState, number> {
    const out = { waiting: 0, queued: 0, in_progress: 0, completed: 0 };
    for (const j of this.#jobs.values()) out[j.state]++;
    return out;
  }

  /**
   * A job GitHub no longer lists as queued (a lost `in_progress` or
   * `completed` delivery): it stops counting. The caller knows which. A
   * later listing that shows it queued after all (one page of the runs
   * shifted while it was read, a replica behind) counts it again.
   */
  markGone(id: number, now = Date.now()): JobRecord | undefined {
    const old = this.#jobs.get(id);
    if (!old || old.state !== "queued") return undefined;
    const job = { ...old, state: "completed" as const, updatedAt: now, gone: true as const };
    this.#jobs.set(id, job);
    return job;
  }

  /** Forgets done jobs past DONE_KEPT_MS (and beyond DONE_KEPT_MAX), and jobs not heard of for STALE_MS. */
  prune(now = Date.now()): void {
    const done: JobRecord[] = [];
    for (const j of this.#jobs.values()) {
      if (now - j.updatedAt > (j.state === "completed" ? DONE_KEPT_MS : STALE_MS)) this.#jobs.delete(j.id);
      else if (j.state === "completed") done.push(j);
    }
    if (done.length > DONE_KEPT_MAX) {
      done.sort((a, b) => a.updatedAt - b.updatedAt);
      for (const j of done.slice(0, done.length - DONE_KEPT_MAX)) this.#jobs.delete(j.id);
    }
  }

  toJSON(): JobRecord[] {
    return [...this.#jobs.values()];
  }

  /** Restores a saved book; records that do not look right are skipped, not fatal. */
  static from(saved: unknown): JobBook {
    const book = new JobBook();
    if (!Array.isArray(saved)) return book;
    for (const r of saved as Partial<JobRecord>[]) {
      if (!Number.isSafeInteger(r?.id) || !(JOB_STATES as readonly unknown[]).includes(r.state) || !Array.isArray(r.labels)) continue;
      book.#jobs.set(r.id as number, {
        id: r.id as number,
        runId: Number(r.runId) || 0,
        repository: String(r.repository ?? ""),
        labels: r.labels.map(String),
        state: r.state as JobState,
        queuedAt: typeof r.queuedAt === "number" ? r.queuedAt : undefined,
        updatedAt: typeof r.updatedAt === "number" ? r.updatedAt : Date.now(),
        ...(r.gone === true ? { gone: true as const } : {}),
      });
    }
    return book;
  }
}
