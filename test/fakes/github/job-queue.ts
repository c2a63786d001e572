import { EventEmitter } from "node:events";
import { scopeHoldsRepository } from "./scope.ts";
import type { FakeJob, JobResult, JobSpec, Scope } from "./types.ts";

interface JobRecord extends FakeJob {
  /** Set by a cancel request while the job runs; delivered once to the runner's next poll. */
  cancelPending: boolean;
  /** Set by `release` while a held job runs; delivered once to the runner's next poll. */
  releasePending: boolean;
}

/** Where jobs live unless a spec names another repository. */
export const DEFAULT_REPOSITORY = "octo/hello";

/** The `workflow_job` webhook action a job's state change is announced with. */
export type JobTransition = "queued" | "in_progress" | "completed";

/**
 * Workflow jobs waiting for, or running on, a runner. A job goes to the
 * first runner whose labels include all of the job's labels
 * (case-insensitive), oldest job first. Emits "change" after each mutation,
 * and "transition" (job, action) when a job is queued, taken or completed.
 */
export class JobQueue extends EventEmitter {
  private readonly jobs = new Map<number, JobRecord>();
  private nextId = 1;
  // Run ids from another range than job ids: a test mixing them up fails.
  private nextRunId = 9001;

  queue(spec: JobSpec): FakeJob {
    const job: JobRecord = {
      id: this.nextId++,
      runId: spec.runId ?? this.nextRunId++,
      repository: spec.repository ?? DEFAULT_REPOSITORY,
      createdAt: new Date().toISOString(),
      startedAt: null,
      completedAt: null,
      name: spec.name ?? `job-${this.nextId - 1}`,
      labels: [...spec.labels],
      status: "queued",
      conclusion: null,
      runnerName: null,
      runnerId: null,
      log: "",
      cancelPending: false,
      releasePending: false,
      held: spec.hold === true,
      ...(spec.run !== undefined ? { run: spec.run } : {}),
      ...(spec.durationMs !== undefined ? { durationMs: spec.durationMs } : {}),
      ...(spec.env !== undefined ? { env: { ...spec.env } } : {}),
    };
    this.jobs.set(job.id, job);
    this.emit("change");
    this.emit("transition", publicJob(job), "queued");
    return publicJob(job);
  }

  /** A run id for jobs queued together (`JobSpec.runId`), as one matrix run. */
  newRunId(): number {
    return this.nextRunId++;
  }

  get(id: number): FakeJob | undefined {
    const job = this.jobs.get(id);
    return job ? publicJob(job) : undefined;
  }

  list(): FakeJob[] {
    return [...this.jobs.values()].map(publicJob);
  }

  /** The oldest queued job a runner with `runnerLabels` may take (of `runnerScope`'s repositories only, when given). */
  nextFor(runnerLabels: string[], runnerScope?: Scope): FakeJob | undefined {
    const have = new Set(runnerLabels.map((l) => l.toLowerCase()));
    for (const job of this.jobs.values()) {
      if (job.status !== "queued") continue;
      if (runnerScope !== undefined && !scopeHoldsRepository(runnerScope, job.repository)) continue;
      if (job.labels.every((l) => have.has(l.toLowerCase()))) return publicJob(job);
    }
    return undefined;
  }

  assign(id: number, runnerId: number, runnerName: string): void {
    const job = this.mustGet(id);
    job.status = "in_progress";
    job.runnerId = runnerId;
    job.runnerName = runnerName;
    job.startedAt = new Date().toISOString();
    this.emit("change");
    this.emit("transition", publicJob(job), "in_progress");
  }

  appendLog(id: number, text: string): void {
    this.mustGet(id).log += text;
    this.emit("change");
  }

  complete(id: number, result: JobResult): void {
    const job = this.mustGet(id);
    if (job.status === "completed") return;
    job.status = "completed";
    job.conclusion = result;
    job.cancelPending = false;
    job.completedAt = new Date().toISOString();
    job.releasePending = false;
    this.emit("change");
    this.emit("transition", publicJob(job), "completed");
  }

  /** Cancels a job: a queued one at once, a running one through its runner. Returns false when unknown or done. */
  cancel(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || job.status === "completed") return false;
    if (job.status === "queued") {
      this.complete(id, "Canceled");
    } else {
      job.cancelPending = true;
      this.emit("change");
    }
    return true;
  }

  /**
   * Lets a held job go on: a queued one is handed out unheld, a running one
   * is told through its runner's next poll. Returns false when unknown, done or not held.
   */
  release(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || job.status === "completed" || !job.held) return false;
    job.held = false;
    if (job.status === "in_progress") job.releasePending = true;
    this.emit("change");
    return true;
  }

  /** A running job of `runnerId` whose cancellation the runner has not been told yet; marks it told. */
  takeCancel(runnerId: number): number | undefined {
    return this.takePending(runnerId, "cancelPending");
  }

  /** A running job of `runnerId` whose release the runner has not been told yet; marks it told. */
  takeRelease(runnerId: number): number | undefined {
    return this.takePending(runnerId, "releasePending");
  }

  private takePending(runnerId: number, flag: "cancelPending" | "releasePending"): number | undefined {
    for (const job of this.jobs.values()) {
      if (job.runnerId === runnerId && job[flag] && job.status === "in_progress") {
        job[flag] = false;
        return job.id;
      }
    }
    return undefined;
  }

  private mustGet(id: number): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }
}

function publicJob(job: JobRecord): FakeJob {
  const { cancelPending: _c, releasePending: _r, ...rest } = job;
  return { ...rest, labels: [...job.labels], ...(job.env ? { env: { ...job.env } } : {}) };
}
