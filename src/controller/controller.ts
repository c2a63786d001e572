import { setMaxListeners } from "node:events";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import type { Config } from "../config/load-config.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import { every, failureLog } from "../lifecycle/every.ts";
import type { Logger } from "../log/logger.ts";
import type { ContainerEngine } from "./container-engine.ts";
import type { ControllerCore } from "./controller-core.ts";
import type { EntryMetrics, EntryState } from "./controller-metrics.ts";
import type { ControllerSettings } from "./controller-settings.ts";
import type { ControllerStore, SavedState } from "./controller-store.ts";
import type { DeliveryResult } from "./http-server.ts";
import type { HostSlots } from "./host-slots.ts";
import { JobBook } from "./job-book.ts";
import { RepositoryBook } from "./repository-book.ts";
import { notOurs } from "./not-ours.ts";
import { reconcileContainers, reconcileQueue, reconcileRegistrations } from "./reconcile.ts";
import { stopIdleRunner, unwatchAll } from "./runner-lifecycle.ts";
import { RunnerPool } from "./runner-pool.ts";
import { scalePass, yieldIdleRunner, type ScalePacing } from "./scale-pass.ts";
import { StartBackoff, Wakeup } from "./start-backoff.ts";
import type { WorkflowJobEvent } from "./workflow-job-event.ts";


export interface ControllerDeps {
  readonly config: Config;
  readonly settings: ControllerSettings;
  readonly engine: ContainerEngine;
  readonly api: RunnerApi;
  readonly log: Logger;
  readonly store: ControllerStore;
  readonly runnerGroupId: number;
  /** The stop signal: from its abort on, nothing new starts (see `stop`). */
  readonly stopping: AbortSignal;
  readonly metrics: EntryMetrics;
  /** The host's MAX_RUNNERS over every entry of REPOS_CONFIG_FILE (absent: config.MAX_RUNNERS is the only cap). */
  readonly host?: HostSlots;
  readonly now?: () => number;
}

/**
 * The autoscaler: counts demand (our queued jobs) and supply (runner
 * containers), and keeps idle + starting >= pending + WARM_RUNNERS under
 * MAX_RUNNERS. Deliveries, container output and the periodic
 * reconciliation with GitHub and Docker only update the books; one
 * synchronous pass then decides what to start and stop.
 */
export class Controller implements ControllerCore {
  // A reload of REPOS_CONFIG_FILE changes these in place (reconfigure): the next runner gets the new ones.
  config: Config;
  settings: ControllerSettings;
  api: RunnerApi;
  runnerGroupId: number;
  readonly engine: ContainerEngine;
  readonly log: Logger;
  readonly metrics: EntryMetrics;
  readonly pool = new RunnerPool(() => {
    this.#host?.freed();
    if (this.pool.size === 0) this.#whenEmpty?.();
  });
  #whenEmpty: (() => void) | undefined;
  jobs = new JobBook();
  readonly #store: ControllerStore;
  /** The process's stop, or this entry's removal from REPOS_CONFIG_FILE (retire). */
  readonly stopping: AbortSignal;
  readonly #retiring = new AbortController();
  readonly #host: HostSlots | undefined;
  readonly #ended = new AbortController();
  #ready = false;
  #halted = false;
  readonly #now: () => number;
  /** Where an organization's or enterprise's queued jobs are looked for: the repositories deliveries came from. */
  #repositories = new RepositoryBook();
  readonly #work = new Set<Promise<unknown>>();
  #scaleQueued = false;
  readonly #pacing: ScalePacing;
  #stopReconcile: (() => void) | undefined;
  #lastWebhookAt: number | undefined;
  #lastReconcileAt: number | undefined;
  #lastReconcileError: string | undefined;

  constructor(d: ControllerDeps) {
    this.config = d.config;
    this.settings = d.settings;
    this.engine = d.engine;
    this.api = d.api;
    this.log = d.log;
    this.#store = d.store;
    this.runnerGroupId = d.runnerGroupId;
    this.#now = d.now ?? Date.now;
    this.metrics = d.metrics;
    this.stopping = AbortSignal.any([d.stopping, this.#retiring.signal]);
    // Every launch and the reconcile wait on it at once while GitHub is slow: more than Node's default of 10 is no leak.
    setMaxListeners(0, this.stopping);
    this.#host = d.host;
    this.#host?.join(this);
    this.#pacing = { backoff: new StartBackoff(), wakeup: new Wakeup(() => this.scaleSoon()), host: d.host, atCapLogged: 0 };
    if (d.config.scope?.kind === "repository") this.#repositories.note(d.config.scope.name, this.now());
  }

  get runnerCount(): number {
    return this.pool.size;
  }

  get leavingCount(): number {
    return this.pool.counts().stopping;
  }

  yieldIdle(why: string): boolean {
    return yieldIdleRunner(this, why);
  }

  /** A reload changed the entry's cap, labels, image or credential (never its scope): runners started from now on get them. */
  reconfigure(c: { config: Config; settings: ControllerSettings; api: RunnerApi; runnerGroupId: number }): void {
    this.config = c.config;
    this.settings = c.settings;
    this.api = c.api;
    this.runnerGroupId = c.runnerGroupId;
    this.scaleSoon();
  }

  get ended(): AbortSignal {
    return this.#ended.signal;
  }

  now(): number {
    return this.#now();
  }

  /** Takes back what an earlier run saved (its runners come back from Docker and GitHub in `start`). */
  restore(saved: SavedState | undefined): void {
    if (!saved) return;
    this.jobs = JobBook.from(saved.jobs);
    this.#repositories = RepositoryBook.from({ repositories: saved.repositories ?? [], repositoryActivity: saved.repositoryActivity }, this.now());
    if (this.config.scope?.kind === "repository") this.#repositories.note(this.config.scope.name, this.now());
    const pending = this.jobs.pending().length;
    this.log.info(`state of ${saved.savedAt} restored: ${pending} pending job(s), ${saved.runners.length} runner(s) started then`);
  }

  /** Adopts what Docker and GitHub show, then reconciles every RECONCILE_INTERVAL_SEC. */
  async start(): Promise<void> {
    // One line when reconciliations start failing (the first one too), one when they work again.
    const failing = failureLog(this.log, "reconciliation");
    const report = (): void => (this.#lastReconcileError === undefined ? failing.ok() : failing.failed(new Error(this.#lastReconcileError)));
    await this.reconcile();
    report();
    // Only now: a delivery that came during the first look must not start runners the look would have adopted.
    this.#ready = true;
    this.#stopReconcile = every(
      this.config.RECONCILE_INTERVAL_SEC * 1000,
      async () => {
        await this.reconcile();
        report();
      },
      (e) => failing.failed(e),
    );
    this.scaleSoon();
  }

  /** One look at Docker, GitHub's runners and GitHub's queue; each part fails alone. */
  async reconcile(): Promise<void> {
    const errors: string[] = [];
    const part = async (what: string, fn: () => Promise<void>): Promise<void> => {
      if (this.stopping.aborted) return;
      try {
        await fn();
      } catch (e) {
        // The stop abandons the requests in flight: what they failed with is no news.
        if (!this.stopping.aborted) errors.push(`${what}: ${(e as Error).message}`);
      }
    };
    await part("Docker containers", () => reconcileContainers(this));
    await part("GitHub runners", () => reconcileRegistrations(this));
    const pending = new Set(this.jobs.pending().map((j) => j.repository.toLowerCase()));
    // An organization's repository GitHub no longer knows is forgotten; a repository scope's own stays (a 404 there is a failure).
    const gone = this.config.scope?.kind === "repository" ? undefined : (r: string) => this.#repositories.forget(r);
    await part("GitHub queued jobs", () => reconcileQueue(this, this.#repositories.due(this.now(), pending), (ev, source) => this.onJob(ev, source), gone));
    this.jobs.prune(this.now());
    this.#lastReconcileAt = this.now();
    this.#lastReconcileError = errors.length > 0 ? errors.join("; ") : undefined;
    this.saveSoon();
    this.scaleSoon();
  }

  /** A verified workflow_job delivery (or a job found by reconciliation): books updated now, work after the answer. */
  onJob(ev: WorkflowJobEvent, source: "webhook" | "reconcile" = "webhook"): DeliveryResult {
    if (source === "webhook") this.#lastWebhookAt = this.now();
    // Whatever the job: one of our runners took it (one without our required_labels, whose labels they all have).
    // Unnoted, that runner would count as serving one of our pending jobs for as long as it runs.
    const ourRunner = this.pool.noteJob(ev);
    const why = notOurs(ev, this.config.scope, this.settings);
    if (why !== undefined) {
      if (ev.state === "queued") this.log.info(`job ${ev.id} ${why}: not ours`);
      // Our pending jobs have one runner fewer to go to.
      if (ourRunner) this.scaleSoon();
      return "not_ours";
    }
    if (this.config.scope?.kind !== "repository") this.#repositories.note(ev.repository, this.now());
    const change = this.jobs.apply(ev, this.now(), source);
    if (change.kind === "unchanged") return "duplicate";
    const { job } = change;
    if (job.state === "in_progress") {
      // GitHub's own times when the delivery has them (a late `queued` delivery would leave ours unknown).
      this.metrics.queueTime(ev.times?.createdAt ?? job.queuedAt, ev.times?.startedAt ?? this.now());
    }
    const how =
      change.kind === "revived"
        ? " again on GitHub (an earlier listing of its queue missed it): counted again"
        : source === "reconcile"
          ? " (found by reconciliation: no delivery announced it)"
          : "";
    const from = change.kind === "advanced" ? ` (was ${change.from})` : "";
    const by = ev.runnerName ? ` on ${ev.runnerName}` : "";
    this.log.info(`job ${job.id} (${job.repository}, run ${job.runId}) ${job.state}${from}${by}${how}: ${this.jobs.pending().length} pending`);
    this.saveSoon();
    this.scaleSoon();
    return "accepted";
  }

  scaleSoon(): void {
    if (this.#scaleQueued || !this.#ready || this.stopping.aborted) return;
    this.#scaleQueued = true;
    setImmediate(() => {
      this.#scaleQueued = false;
      if (!this.stopping.aborted) scalePass(this, this.#pacing);
    });
  }

  runnerFailed(): void {
    const { failures, waitMs } = this.#pacing.backoff.failed(this.now());
    if (failures > 1) this.log.warn(`${failures} runners failed in a row: next start in ${Math.round(waitMs / 1000)} s`);
  }

  runnerHealthy(): void {
    this.#pacing.backoff.healthy();
  }

  background(work: Promise<unknown>): void {
    const p = work.catch((e: unknown) => this.log.warn(`background work failed: ${(e as Error).message}`)).finally(() => this.#work.delete(p));
    this.#work.add(p);
  }

  saveSoon(): void {
    if (!this.#halted) this.#store.saveSoon(() => this.#snapshot(), (e) => this.#saveFailed(e));
  }

  save(): void {
    if (this.#halted) return;
    try {
      this.#store.save(this.#snapshot());
    } catch (e) {
      this.#saveFailed(e as Error);
    }
  }

  #snapshot(): SavedState {
    return {
      version: 1,
      controllerId: this.settings.runnerKey,
      savedAt: new Date(this.now()).toISOString(),
      jobs: this.jobs.toJSON(),
      ...this.#repositories.toJSON(),
      runners: this.pool.all().map((r) => ({ name: r.name, runnerId: r.runnerId, containerId: r.containerId, startedAt: r.startedAt })),
    };
  }

  #saveFailed(e: Error): void {
    this.log.error(`cannot save the state to ${this.#store.file}: ${e.message}`);
  }

  health(): Record<string, unknown> {
    const counts = this.pool.counts();
    const at = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return {
      status: this.#retiring.signal.aborted ? "draining" : this.stopping.aborted ? "stopping" : !this.#ready ? "starting" : this.#lastReconcileError ? "degraded" : "ok",
      max_runners: this.config.MAX_RUNNERS,
      warm_runners: this.config.WARM_RUNNERS,
      pending: this.jobs.pending().length,
      runners: { starting: counts.starting, idle: counts.idle, busy: counts.busy, stopping: counts.stopping },
      last_webhook_at: at(this.#lastWebhookAt),
      last_reconcile_at: at(this.#lastReconcileAt),
      last_reconcile_error: this.#lastReconcileError ?? null,
    };
  }

  /** What /metrics shows of it now. */
  state(): EntryState {
    return { entry: this.settings.entryId, pending: this.jobs.pending().length, runners: this.pool.counts() };
  }

  /** Stops every timer and stops following runners, saving nothing: what a crash leaves behind (tests). */
  halt(): void {
    this.#stopReconcile?.();
    this.#pacing.wakeup.cancel();
    this.#store.cancel();
    this.#ready = false;
    this.#halted = true;
    this.#ended.abort();
    unwatchAll(this);
  }

  /**
   * The stop: no new runner; idle and starting runners are stopped (their
   * registrations first: one that just took a job stays); busy ones are left
   * to finish their job and exit by themselves; the state is saved. Bounded
   * by `deadline`. Called once the `stopping` signal has aborted.
   */
  async stop(deadline: AbortSignal): Promise<void> {
    this.#stopReconcile?.();
    this.#pacing.wakeup.cancel();
    const deadlineHit = whenAborted(deadline);
    const stops = this.pool
      .all()
      .filter((r) => r.phase === "idle" || (r.phase === "starting" && r.containerId !== undefined))
      .map((r) => stopIdleRunner(this, r, "the controller is stopping"));
    await Promise.race([Promise.allSettled(stops), deadlineHit]);
    const busy = this.pool.all().filter((r) => r.phase === "busy").length;
    if (busy > 0) this.log.info(`${busy} runner(s) running a job are left alone: they finish it and exit by themselves`);
    await Promise.race([Promise.allSettled([...this.#work]), deadlineHit]);
    this.#ended.abort();
    unwatchAll(this);
    this.save();
  }

  /**
   * The entry left REPOS_CONFIG_FILE: it takes no job any more, its idle and
   * starting runners are stopped (registration first, as above) and its
   * busy ones finish their job and exit as usual, their registrations
   * removed. Resolves once the last one is gone; its state file goes then.
   */
  async retire(): Promise<void> {
    if (this.#retiring.signal.aborted) return;
    this.#retiring.abort();
    this.#stopReconcile?.();
    this.#pacing.wakeup.cancel();
    const c = this.pool.counts();
    this.log.info(
      `removed from REPOS_CONFIG_FILE: no new job (${this.jobs.pending().length} pending left to other runners); ` +
        `${c.idle + c.starting} idle or starting runner(s) stopped, ${c.busy} busy one(s) finish their job first`,
    );
    for (const r of this.pool.all()) {
      if (r.phase === "idle" || (r.phase === "starting" && r.containerId !== undefined)) this.background(stopIdleRunner(this, r, "its entry was removed"));
    }
    if (this.pool.size > 0) await new Promise<void>((resolve) => (this.#whenEmpty = resolve));
    // Registrations are removed in the background: done before the entry is forgotten.
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    this.#ended.abort();
    unwatchAll(this);
    this.#store.remove();
    this.#host?.leave(this);
    this.log.info("drained: its last runner is gone");
  }
}
