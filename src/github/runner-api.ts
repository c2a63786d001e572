import { EXIT_CONFIG } from "../config/config-error.ts";
import type { Octokit } from "@octokit/rest";
import { GitHubFatalError, httpStatus } from "./github-error.ts";
import { HookApi } from "./hook-api.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import { requestWithRetry, type RetryOptions } from "./with-retry.ts";


/** What a 403 to the workflow runs and jobs lists means (the controller's look for lost deliveries). */
const ACTIONS_READ = 'the token lacks the permission "Actions: read" (fine-grained PAT, GitHub App) or the classic "repo" scope: queued jobs whose delivery was lost are not found';
export interface RunnerSummary {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly busy: boolean;
  /** Label names (GitHub's defaults among them), as GitHub lists them. */
  readonly labels: readonly string[];
}

type ApiRunner = Omit<RunnerSummary, "labels"> & { labels?: readonly { name: string }[] };

function summary({ id, name, status, busy, labels }: ApiRunner): RunnerSummary {
  return { id, name, status, busy, labels: (labels ?? []).map((l) => l.name) };
}

export type DeleteResult = "deleted" | "busy" | "gone";

/** A prefetched registration token older than this is not used: GitHub's are valid for an hour. */
const PREFETCH_FRESH_MS = 30 * 60_000;
/**
 * How long registrationToken waits for a prefetch still under way before asking anew: a request stuck on a
 * connection made before a hook set up the network would otherwise hold the runner until its idle timeout.
 */
const PREFETCH_WAIT_MS = 10_000;

/** A signal that never aborts. */
const NEVER = new AbortController().signal;

/** A workflow job waiting for a runner, as the REST API lists it. */
export interface QueuedJob {
  readonly id: number;
  readonly runId: number;
  readonly labels: readonly string[];
}

/**
 * The runner endpoints of one scope (`repos/owner/repo`, `orgs/org` or
 * `enterprises/slug`), each call retried per withRetry.
 */
export class RunnerApi {
  readonly #octokit: Octokit;
  readonly #scope: string;
  readonly #retry: RetryOptions;
  /** prefetchRegistrationToken's request (when, on both clocks): the token, or undefined if it failed. */
  #prefetched: { at: number; wallAt: number; token: Promise<string | undefined> } | undefined;

  constructor(octokit: Octokit, scopePath: string, retry: RetryOptions) {
    this.#octokit = octokit;
    this.#scope = scopePath;
    this.#retry = retry;
  }

  /** The webhook endpoints of the same scope, with the same credential (repositories and organizations). */
  hookApi(): HookApi {
    return new HookApi(this.#octokit, this.#scope, this.#retry);
  }

  /**
   * `route` with `params`, retried per withRetry; `what` names it in log lines, `inFlight` abandons the request in
   * flight (default: `signal`), `forbidden` says what a 403 means.
   */
  #request(route: string, params: Record<string, unknown>, signal?: AbortSignal, what = route, inFlight = signal, forbidden?: string) {
    return requestWithRetry(this.#octokit, forbidden === undefined ? this.#retry : { ...this.#retry, forbidden }, route, params, signal, what, inFlight);
  }

  /**
   * For calls where 404 means the scope itself is wrong (GitHub answers 404,
   * not 403, for a repository the token cannot see): one line naming the scope
   * variable instead of a stack trace.
   */
  async #scoped(route: string, params: Record<string, unknown>, signal?: AbortSignal, inFlight = signal) {
    try {
      return await this.#request(route, params, signal, route, inFlight);
    } catch (e) {
      if (httpStatus(e) !== 404) throw e;
      throw new GitHubFatalError(
        `${this.#retry.scopeVariable ?? "GH_REPOSITORY"}: GitHub answered 404 to ${route}: ${this.#scope.replace(/^\w+\//, "")} does not exist ` +
          `at ${this.#retry.apiUrl ?? "the GitHub API"}, or ${this.#retry.credentialVar} cannot see it`,
        EXIT_CONFIG,
      );
    }
  }

  /**
   * Asks for a registration token now, while the boot's next steps run: once, without retries or log lines, so
   * that a failure (the network a later hook sets up, an outage) changes nothing: registrationToken then asks
   * again as it always did. It takes the answer while fresh.
   */
  prefetchRegistrationToken(signal?: AbortSignal): void {
    const [at, wallAt] = [performance.now(), Date.now()];
    const asked = this.#octokit.request(`POST /${this.#scope}/actions/runners/registration-token`, { request: { signal } });
    this.#prefetched = { at, wallAt, token: asked.then((res) => this.#masked((res.data as { token: string }).token)).catch(() => undefined) };
  }

  /** A fresh registration token (valid one hour); registered as a secret so no log line shows it. */
  async registrationToken(signal?: AbortSignal): Promise<string> {
    const early = this.#prefetched;
    this.#prefetched = undefined;
    let token: string | undefined;
    // Valid for an hour: one asked for before a long boot (a warm start, an engine to wait for) is not used. Fresh
    // on both clocks: the monotonic one stands still while the host sleeps, the wall clock may be set (NTP) while
    // the container boots; the token's hour runs on GitHub's.
    if (early && performance.now() - early.at < PREFETCH_FRESH_MS && Date.now() - early.wallAt < PREFETCH_FRESH_MS) {
      const late = AbortSignal.timeout(PREFETCH_WAIT_MS);
      token = await Promise.race([early.token, whenAborted(signal ? AbortSignal.any([signal, late]) : late).then(() => undefined)]);
    }
    if (signal?.aborted) throw signal.reason ?? new Error("stopped");
    if (token !== undefined) return token;
    const res = await this.#scoped(`POST /${this.#scope}/actions/runners/registration-token`, {}, signal);
    return this.#masked((res.data as { token: string }).token);
  }

  #masked(token: string): string {
    this.#retry.log.mask(token, "rotating");
    return token;
  }

  /** Runners whose name is exactly `name` (the API filters by name, we double-check). */
  async findByName(name: string, signal?: AbortSignal): Promise<RunnerSummary[]> {
    const route = `GET /${this.#scope}/actions/runners`;
    const res = await this.#request(route, { name, per_page: 100 }, signal, `${route}?name=${name}`);
    const runners = (res.data as { runners: ApiRunner[] }).runners;
    return runners.filter((r) => r.name === name).map(summary);
  }

  /** All runners of the scope, every page. */
  async list(signal?: AbortSignal): Promise<RunnerSummary[]> {
    return (await this.#allPages<ApiRunner>(`GET /${this.#scope}/actions/runners`, {}, "runners", signal)).map(summary);
  }

  /**
   * `generate-jitconfig`: registers the runner and returns its id and the
   * encoded JIT config for `run.sh`; "taken" on 409 (the name exists).
   * `signal` ends the retries, but the request in flight is waited for (its
   * answer names what GitHub registered, even after the client left) unless
   * `abandon` aborts: the caller then looks the runner up by name.
   */
  async generateJitConfig(
    body: { name: string; labels: readonly string[]; runnerGroupId: number; workFolder: string },
    signal?: AbortSignal,
    abandon: AbortSignal = NEVER,
  ): Promise<{ id: number; encodedJitConfig: string } | "taken"> {
    try {
      const res = await this.#scoped(
        `POST /${this.#scope}/actions/runners/generate-jitconfig`,
        { name: body.name, labels: [...body.labels], runner_group_id: body.runnerGroupId, work_folder: body.workFolder },
        signal,
        abandon,
      );
      const data = res.data as { runner: { id: number }; encoded_jit_config: string };
      // Rotating: a controller issues one per runner, for as long as it runs.
      this.#retry.log.mask(data.encoded_jit_config, "rotating");
      return { id: data.runner.id, encodedJitConfig: data.encoded_jit_config };
    } catch (e) {
      if (httpStatus(e) === 409) return "taken";
      throw e;
    }
  }

  /** The id of the runner group named `name` (organizations and enterprises), or undefined. */
  async runnerGroupId(name: string, signal?: AbortSignal): Promise<number | undefined> {
    const groups = await this.#allPages<{ id: number; name: string }>(`GET /${this.#scope}/actions/runner-groups`, {}, "runner_groups", signal);
    return groups.find((g) => g.name.toLowerCase() === name.toLowerCase())?.id;
  }

  /** DELETE the registration: "busy" on GitHub's 422 while a job runs, "gone" on 404. */
  async delete(id: number, signal?: AbortSignal): Promise<DeleteResult> {
    try {
      await this.#request(`DELETE /${this.#scope}/actions/runners/${id}`, {}, signal);
      return "deleted";
    } catch (e) {
      const status = httpStatus(e);
      if (status === 422) return "busy";
      if (status === 404) return "gone";
      throw e;
    }
  }

  /**
   * The jobs waiting for a runner in `repository` (owner/repo): GitHub has no
   * list of queued jobs, so: its runs `queued` and `in_progress` (a run in
   * progress can still hold queued jobs), then each run's jobs with status
   * `queued`. Every page of each list is followed.
   */
  async queuedJobs(repository: string, signal?: AbortSignal): Promise<QueuedJob[]> {
    const runIds = new Set<number>();
    for (const status of ["queued", "in_progress"]) {
      const runs = await this.#allPages<{ id: number }>(`GET /repos/${repository}/actions/runs`, { status }, "workflow_runs", signal, ACTIONS_READ);
      for (const run of runs) runIds.add(run.id);
    }
    const queued: QueuedJob[] = [];
    for (const runId of runIds) {
      const jobs = await this.#allPages<{ id: number; run_id: number; status: string; labels: string[] }>(
        `GET /repos/${repository}/actions/runs/${runId}/jobs`,
        { filter: "latest" },
        "jobs",
        signal,
        ACTIONS_READ,
      );
      for (const job of jobs) if (job.status === "queued") queued.push({ id: job.id, runId: job.run_id, labels: job.labels });
    }
    return queued;
  }

  /** Every item of a paginated list (`{total_count, <key>: [...]}`), 100 a page. */
  async #allPages<T>(route: string, params: Record<string, string>, key: string, signal?: AbortSignal, forbidden?: string): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; ; page++) {
      const res = await this.#request(route, { ...params, per_page: 100, page }, signal, route, signal, forbidden);
      const data = res.data as { total_count: number } & Record<string, T[]>;
      const items = data[key] ?? [];
      all.push(...items);
      if (items.length < 100 || all.length >= data.total_count) return all;
    }
  }
}
