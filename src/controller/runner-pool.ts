import type { WorkflowJobEvent } from "./workflow-job-event.ts";

/** Where a runner container is in its one-job life. */
export type RunnerPhase = "starting" | "idle" | "busy" | "stopping";

/** One runner of ours: a registration (once generate-jitconfig answered) and a container (once created). */
export interface PoolRunner {
  readonly name: string;
  runnerId: number | undefined;
  containerId: string | undefined;
  /** Epoch ms when the controller learnt its container id (a container listing older than that may not show it). */
  containerSince: number;
  /** Epoch ms of the first of the container listings in a row that showed its container ended but still there. */
  endedSeenAt: number | undefined;
  phase: RunnerPhase;
  /** Epoch ms of the start decision (or of the container's creation, when adopted). */
  readonly startedAt: number;
  idleSince: number | undefined;
  /** It said "Running job": from then on only its own exit ends it. */
  tookJob: boolean;
  /** It said "Job ... completed": GitHub removes its registration itself. */
  finishedJob: boolean;
  /** A delivery named it as the runner of a job: that job no longer counts as pending. */
  confirmed: boolean;
  /** Its last lines, shown when it fails before taking a job (its container removes itself). */
  readonly tail: string[];
}

export type PhaseCounts = Record<RunnerPhase, number>;

/** The runners of this controller, by name. */
export class RunnerPool {
  readonly #runners = new Map<string, PoolRunner>();
  /** Runners gone after taking a job that no delivery named (lost or late): name -> when they left. */
  readonly #servedUnnamed = new Map<string, number>();
  /** Runners that left, by name -> when: a container listing begun before that may still show theirs running. */
  readonly #left = new Map<string, number>();
  readonly #onLeave: () => void;

  /** `onLeave` hears every runner that leaves (its slot under the host's MAX_RUNNERS frees). */
  constructor(onLeave: () => void = () => {}) {
    this.#onLeave = onLeave;
  }

  add(name: string, startedAt: number, phase: RunnerPhase = "starting"): PoolRunner {
    const r: PoolRunner = { name, runnerId: undefined, containerId: undefined, containerSince: 0, endedSeenAt: undefined, phase, startedAt, idleSince: undefined, tookJob: false, finishedJob: false, confirmed: false, tail: [] };
    this.#runners.set(name, r);
    return r;
  }

  /**
   * A delivery naming one of our runners is GitHub's word that it took a job (its output may say so later); true
   * when it names one of the pool's.
   */
  noteJob(ev: WorkflowJobEvent): boolean {
    if (ev.state !== "in_progress" && ev.state !== "completed") return false;
    // The late delivery of a runner already gone: its job leaves the pending count through this delivery.
    if (ev.runnerName) this.#servedUnnamed.delete(ev.runnerName);
    const runner = ev.runnerName ? this.#runners.get(ev.runnerName) : undefined;
    if (!runner) return false;
    runner.tookJob = true;
    runner.confirmed = true;
    if (ev.state === "completed") runner.finishedJob = true;
    if (runner.phase === "idle" || runner.phase === "starting") runner.phase = "busy";
    return true;
  }

  get(name: string): PoolRunner | undefined {
    return this.#runners.get(name);
  }

  delete(name: string, now = Date.now()): void {
    const r = this.#runners.get(name);
    if (r?.tookJob && !r.confirmed) this.#servedUnnamed.set(name, now);
    if (!this.#runners.delete(name)) return;
    this.#left.set(name, now);
    this.#onLeave();
  }

  /** Whether `name` left the pool at or after `since` (a listing begun then is not news of it). */
  leftSince(name: string, since: number): boolean {
    const at = this.#left.get(name);
    return at !== undefined && at >= since;
  }

  /** Forgets the runners that left before `since` (no listing begun before it is still on its way). */
  forgetLeftBefore(since: number): void {
    for (const [name, at] of this.#left) if (at < since) this.#left.delete(name);
  }

  /** A reconciliation of the queue that began at `since` knows what those runners served: they stop counting. */
  forgetServedBefore(since: number): void {
    for (const [name, at] of this.#servedUnnamed) if (at < since) this.#servedUnnamed.delete(name);
  }

  all(): PoolRunner[] {
    return [...this.#runners.values()];
  }

  counts(): PhaseCounts {
    const out: PhaseCounts = { starting: 0, idle: 0, busy: 0, stopping: 0 };
    for (const r of this.#runners.values()) out[r.phase]++;
    return out;
  }

  /**
   * Jobs that still count as pending but are served: runners (here or gone)
   * whose output said they took a job that no delivery has named yet
   * (GitHub's in_progress can lag the runner by seconds, or be lost).
   */
  unconfirmedJobs(): number {
    let n = this.#servedUnnamed.size;
    for (const r of this.#runners.values()) if (r.tookJob && !r.confirmed) n++;
    return n;
  }

  /** Every runner takes a slot under MAX_RUNNERS until its container is gone. */
  get size(): number {
    return this.#runners.size;
  }
}
