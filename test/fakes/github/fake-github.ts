/**
 * A fake GitHub for offline tests: the REST endpoints a runner supervisor
 * uses (registration/remove tokens, JIT config, list/get/delete runners,
 * runner groups, GitHub App installation tokens), the runner-registration
 * endpoint config.sh calls, and a simple protocol for the fake runner's
 * listener (sessions, jobs, logs). See docs/github-api.md and
 * docs/runner-contract.md for what it imitates.
 *
 * ```ts
 * const gh = await startFakeGitHub();
 * const { token } = gh.registrationToken("repos/acme/app");
 * // ... ./config.sh --url `${gh.url}/acme/app` --token $token ...
 * const jobId = gh.queueJob({ labels: ["self-hosted"], run: "env" });
 * await gh.waitFor(() => gh.job(jobId)?.status === "completed");
 * await gh.close();
 * ```
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HANG_GUARD_MS } from "../../helpers/hang-guard.ts";
import { AppRegistry } from "./app-registry.ts";
import { controlRoutes } from "./control-api.ts";
import { FaultList, RateLimiter } from "./fault-list.ts";
import { jitKeySource } from "./jit-config.ts";
import { JobQueue } from "./job-queue.ts";
import { createRequestHandler } from "./request-pipeline.ts";
import { restAppRoutes } from "./rest-app.ts";
import { restRunnerRoutes } from "./rest-runners.ts";
import { restWorkflowRunRoutes } from "./rest-workflow-runs.ts";
import { HookRegistry } from "./hook-registry.ts";
import { restHookRoutes } from "./rest-hooks.ts";
import type { FakeWebhook, WebhookSpec } from "./webhook-sender.ts";
import { runnerRegistrationRoutes } from "./runner-registration.ts";
import { publicRunner, RunnerRegistry } from "./runner-registry.ts";
import { runnerSessionRoutes } from "./runner-session.ts";
import { normalizeScope } from "./scope.ts";
import { SessionTable } from "./session-table.ts";
import { TokenStore, type IssuedToken } from "./token-store.ts";
import type { FakeJob, FakeRunner, FaultSpec, JobSpec, RateLimitSpec, RequestRecord, Scope } from "./types.ts";
import type { World } from "./world.ts";

export type * from "./types.ts";
export { DEFAULT_LABELS } from "./runner-registry.ts";
export { signJwtRs256 } from "./jwt.ts";
export type { FakeWebhook, DeliveryRecord } from "./webhook-sender.ts";

/** The PAT the fake accepts (with admin permission) when `validTokens` is not given. */
export const FAKE_PAT = "ghp_fakeAdminToken0000000000000000000000";

export interface FakeGitHubOptions {
  /** Listen address; "0.0.0.0" lets containers reach it through host.docker.internal. Default 127.0.0.1. */
  host?: string;
  /** Default: a random free port. */
  port?: number;
  /** PATs accepted with admin permission. Default: [FAKE_PAT]. */
  validTokens?: string[];
  /** PATs accepted but without "Administration: write" (403 on runner endpoints). */
  noAdminTokens?: string[];
  /** A session whose listener stopped polling this long ago is dropped (runner offline). Default 5000. */
  sessionIdleTimeoutMs?: number;
  /** The same for a runner that has a job: its job is then abandoned. Default 60000. */
  busySessionTimeoutMs?: number;
  /** Longest a listener's message poll is held. Default 20000. */
  pollHoldMs?: number;
  /**
   * A job goes only to runners registered to its repository, its owner's
   * organization or an enterprise, as on GitHub. Default false: any runner
   * with the labels takes it, whatever scope it is registered to.
   */
  jobsByScope?: boolean;
}

export interface FakeGitHub {
  /** What the supervisor gets as GH_URL: `http://HOST:PORT` (GHES-style). */
  readonly url: string;
  /** `url + "/api/v3"`; the REST endpoints are also served at the root. */
  readonly apiUrl: string;
  readonly port: number;
  /** All registered runners, every scope. */
  runners(scope?: Scope): FakeRunner[];
  runner(name: string, scope?: Scope): FakeRunner | undefined;
  /** Queues a workflow job; returns its id. */
  queueJob(spec: JobSpec): number;
  /** A fresh run id: jobs queued with it form one run (a matrix). */
  newRunId(): number;
  /** A `workflow_job` webhook: every job transition (of `scope`'s repositories, when given) is delivered to `url`, signed with `secret` (pings first). */
  addWebhook(spec: WebhookSpec): Promise<FakeWebhook>;
  /**
   * The hooks made through the REST API (`POST /repos/o/r/hooks`,
   * `/orgs/o/hooks`), oldest first, of one scope or all; each delivers the
   * scope's jobs to its `config.url` like `addWebhook`'s, and its `fail()`
   * records deliveries as failed.
   */
  restHooks(scope?: Scope): FakeWebhook[];
  job(id: number): FakeJob | undefined;
  jobs(): FakeJob[];
  /** Cancels a job (a queued one at once; a running one through its runner). */
  cancelJob(id: number): boolean;
  /** Lets a job queued with `hold` go on (through its runner's next poll when it runs); false when not held. */
  releaseJob(id: number): boolean;
  /**
   * Drops every session whose listener is not polling right now (only
   * `runnerId`'s, when given), as `sessionIdleTimeoutMs` would later: its
   * runner goes offline, a job it ran is abandoned. For a test that killed a
   * listener and wants the moment; tests that share a fake name their runner,
   * or another test's runner, between two polls while it runs a job, loses it.
   */
  expireIdleSessions(runnerId?: number): void;
  /**
   * Resolves with the first truthy value of `predicate`, re-checked on every
   * state change; rejects after `timeoutMs` (default: a hang guard, never a
   * statement about speed).
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Every request received so far (method, path, status, headers, body). */
  requests(): RequestRecord[];
  /** The requests whose path, headers or body contain `text` (e.g. a secret that must not travel there). */
  requestsContaining(text: string): RequestRecord[];
  /** Programs a failure; returns the function that removes it. */
  fault(spec: FaultSpec): () => void;
  clearFaults(): void;
  /** The next REST answers say "rate limit exceeded" (403 or 429, remaining 0, reset, optional retry-after). */
  rateLimit(spec?: RateLimitSpec): void;
  /** Accepts another PAT; `admin: false` makes runner endpoints answer 403. */
  addToken(token: string, opts?: { admin?: boolean }): void;
  /** A registration (or remove) token, as the REST endpoint would issue it. */
  registrationToken(scope: Scope, kind?: "registration" | "remove"): IssuedToken;
  /** Lifetime of registration/remove tokens issued from now on (default one hour). */
  setRunnerTokenTtl(ms: number): void;
  /** Lifetime of App installation tokens issued from now on (default one hour). */
  setInstallationTokenTtl(ms: number): void;
  /** Expires every registration, remove and installation token issued so far. */
  expireTokens(): void;
  /** Registers a GitHub App: JWTs signed by its private key are verified with `publicKeyPem`. */
  registerApp(app: { appId: number; publicKeyPem: string; accounts?: string[] }): void;
  /** Adds a runner group to an organization or enterprise; returns its id. */
  addRunnerGroup(scope: Scope, name: string): number;
  /** Deletes a registration server-side; refused while busy unless `force`. */
  removeRunner(id: number, opts?: { force?: boolean }): "removed" | "busy" | "missing";
  close(): Promise<void>;
}

/** Starts the fake GitHub on 127.0.0.1 and a random port (see FakeGitHubOptions). */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const jobs = new JobQueue();
  const registry = new RunnerRegistry();
  const world: World = {
    registry,
    tokens: new TokenStore(),
    jobs,
    hooks: new HookRegistry(jobs, () => registry.emit("change")),
    sessions: new SessionTable(opts.sessionIdleTimeoutMs ?? 5000, opts.busySessionTimeoutMs ?? 60_000, (id) => registry.get(id)?.busy === true),
    apps: new AppRegistry(),
    tenantTokens: new Map(),
    accessTokens: new Map(),
    jitKey: jitKeySource(),
    pollHoldMs: opts.pollHoldMs ?? 20_000,
    jobsByScope: opts.jobsByScope ?? false,
  };
  world.registry.setMaxListeners(0);
  world.jobs.setMaxListeners(0);
  for (const t of opts.validTokens ?? [FAKE_PAT]) world.tokens.addPat(t, true);
  for (const t of opts.noAdminTokens ?? []) world.tokens.addPat(t, false);

  const log: RequestRecord[] = [];
  const faults = new FaultList();
  const rateLimiter = new RateLimiter();
  let fake: FakeGitHub | undefined;
  const server: Server = createServer(
    createRequestHandler({
      routes: [...restRunnerRoutes(world), ...restWorkflowRunRoutes(world), ...restAppRoutes(world), ...restHookRoutes(world), ...runnerRegistrationRoutes(world), ...runnerSessionRoutes(world)],
      control: controlRoutes(() => fake!),
      faults,
      rateLimiter,
      record: (entry) => {
        log.push(entry);
        world.registry.emit("change");
      },
    }),
  );
  // Idle connections are kept for minutes, as GitHub's front ends keep them: Node's default of 5 s raced a client
  // reusing one on a loaded machine (ECONNRESET for a request sent as the fake closed it). close() ends them all.
  server.keepAliveTimeout = 65_000;
  // Sessions of listeners that died (SIGKILL) expire: their runners go offline,
  // and a job they were running is abandoned (so the runner can be deleted again).
  const expireIdle = (now: number, only?: number): void => {
    for (const id of world.sessions.sweep(now, only)) {
      if (world.sessions.hasSession(id)) continue;
      const jobId = world.registry.get(id)?.jobId;
      if (jobId !== null && jobId !== undefined) world.jobs.complete(jobId, "Abandoned");
      world.registry.update(id, { status: "offline", busy: false, jobId: null });
    }
  };
  const sweeper = setInterval(() => expireIdle(Date.now()), 250);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = opts.host === undefined || opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host;
  const url = `http://${urlHost}:${port}`;

  fake = {
    url,
    apiUrl: `${url}/api/v3`,
    port,
    runners: (scope) => world.registry.list(scope === undefined ? undefined : normalizeScope(scope)).map(publicRunner),
    runner: (name, scope) =>
      fake!.runners(scope).find((r) => r.name === name),
    queueJob: (spec) => world.jobs.queue(spec).id,
    newRunId: () => world.jobs.newRunId(),
    addWebhook: async (spec) => {
      const hook = world.hooks.add(spec, url);
      await hook.ping();
      return hook;
    },
    restHooks: (scope) => world.hooks.list(scope === undefined ? undefined : normalizeScope(scope)).map((h) => h.hook),
    job: (id) => world.jobs.get(id),
    jobs: () => world.jobs.list(),
    cancelJob: (id) => world.jobs.cancel(id),
    releaseJob: (id) => world.jobs.release(id),
    expireIdleSessions: (runnerId) => expireIdle(Infinity, runnerId),
    waitFor: (predicate, timeoutMs = HANG_GUARD_MS) => waitFor(world, predicate, timeoutMs),
    requests: () => log.map((r) => ({ ...r })),
    requestsContaining: (text) =>
      log
        .filter((r) => r.path.includes(text) || r.body.includes(text) || Object.values(r.headers).some((v) => [v ?? ""].flat().some((h) => h.includes(text))))
        .map((r) => ({ ...r })),
    fault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    rateLimit: (spec = {}) => rateLimiter.exhaust(spec),
    addToken: (token, o = {}) => world.tokens.addPat(token, o.admin ?? true),
    registrationToken: (scope, kind = "registration") => world.tokens.issueRunnerToken(normalizeScope(scope), kind),
    setRunnerTokenTtl: (ms) => {
      world.tokens.runnerTokenTtlMs = ms;
    },
    setInstallationTokenTtl: (ms) => {
      world.tokens.installationTokenTtlMs = ms;
    },
    expireTokens: () => world.tokens.expireAll(),
    registerApp: (app) => world.apps.register(app.appId, app.publicKeyPem, app.accounts),
    addRunnerGroup: (scope, name) => world.registry.addGroup(normalizeScope(scope), name).id,
    removeRunner: (id, o = {}) => {
      const outcome = o.force ? (world.registry.get(id) ? "removed" : "missing") : world.registry.remove(id);
      if (outcome === "removed") {
        world.registry.forget(id);
        world.sessions.deleteForRunner(id);
      }
      return outcome;
    },
    close: async () => {
      world.hooks.closeAll();
      clearInterval(sweeper);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function waitFor<T>(world: World, predicate: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      clearInterval(tick);
      world.registry.off("change", check);
      world.jobs.off("change", check);
    };
    function check(): void {
      let value: T | undefined | null | false;
      try {
        value = predicate();
      } catch (err) {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (value !== undefined && value !== null && value !== false) {
        cleanup();
        resolve(value);
      }
    }
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`fake GitHub: waitFor timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    // Session expiry changes state without an event: re-check now and then too.
    const tick = setInterval(check, 200);
    world.registry.on("change", check);
    world.jobs.on("change", check);
    check();
  });
}
