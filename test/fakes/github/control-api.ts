import { jsonBody, notFound, send, type Exchange, type Route } from "./exchange.ts";
import type { FakeGitHub } from "./fake-github.ts";
import type { FaultSpec, JobSpec, RateLimitSpec } from "./types.ts";

/**
 * The JSON control API under /_fake/, for tests in another process (the
 * CLI entry main.ts): the same knobs as the in-process FakeGitHub object.
 *
 * - `GET  /_fake/state` -> `{runners, jobs}`
 * - `GET  /_fake/requests` -> request log
 * - `POST /_fake/jobs` JobSpec -> 201 `{id}`; `GET /_fake/jobs/ID`; `POST /_fake/jobs/ID/cancel`; `POST /_fake/jobs/ID/release`
 * - `POST /_fake/expire-idle-sessions` (`{runnerId?}`: only that runner's)
 * - `POST /_fake/faults` FaultSpec (`path` a string; `"regex": true` makes it a RegExp); `DELETE /_fake/faults`
 * - `POST /_fake/rate-limit` RateLimitSpec
 * - `POST /_fake/tokens` `{token, admin?}`; `POST /_fake/registration-token` `{scope, kind?}`;
 *   `POST /_fake/token-ttl` `{runnerTokenMs?, installationTokenMs?}`; `POST /_fake/expire-tokens`
 * - `POST /_fake/apps` `{appId, publicKeyPem, accounts?}`; `POST /_fake/runner-groups` `{scope, name}` -> `{id}`
 * - `DELETE /_fake/runners/ID[?force=1]`
 */
export function controlRoutes(fake: () => FakeGitHub): Route[] {
  const body = (ex: Exchange): Record<string, unknown> => jsonBody(ex) ?? {};
  const route = (method: string, path: string, handler: (ex: Exchange) => void): Route => ({
    method,
    pattern: new RegExp(`^/_fake${path}$`),
    handler,
  });
  return [
    route("GET", "/state", (ex) => send(ex, 200, { runners: fake().runners(), jobs: fake().jobs() })),
    route("GET", "/requests", (ex) => send(ex, 200, fake().requests())),
    route("POST", "/jobs", (ex) => {
      const spec = body(ex) as unknown as JobSpec;
      if (!Array.isArray(spec.labels)) return send(ex, 400, { message: "labels (array) required" });
      send(ex, 201, { id: fake().queueJob(spec) });
    }),
    route("GET", "/jobs/(?<id>\\d+)", (ex) => {
      const job = fake().job(Number(ex.params.id));
      return job ? send(ex, 200, job) : notFound(ex);
    }),
    route("POST", "/jobs/(?<id>\\d+)/cancel", (ex) => (fake().cancelJob(Number(ex.params.id)) ? send(ex, 204) : notFound(ex))),
    route("POST", "/jobs/(?<id>\\d+)/release", (ex) => (fake().releaseJob(Number(ex.params.id)) ? send(ex, 204) : notFound(ex))),
    route("POST", "/expire-idle-sessions", (ex) => {
      const runnerId = (body(ex) as { runnerId?: unknown } | undefined)?.runnerId;
      fake().expireIdleSessions(typeof runnerId === "number" ? runnerId : undefined);
      send(ex, 204);
    }),
    route("POST", "/faults", (ex) => {
      const spec = body(ex) as unknown as FaultSpec & { regex?: boolean };
      if (typeof spec.path !== "string") return send(ex, 400, { message: "path (string) required" });
      const { regex, ...rest } = spec;
      fake().fault({ ...rest, path: regex ? new RegExp(spec.path) : spec.path });
      send(ex, 201, {});
    }),
    route("DELETE", "/faults", (ex) => {
      fake().clearFaults();
      send(ex, 204);
    }),
    route("POST", "/rate-limit", (ex) => {
      fake().rateLimit(body(ex) as RateLimitSpec);
      send(ex, 204);
    }),
    route("POST", "/tokens", (ex) => {
      const b = body(ex);
      if (typeof b.token !== "string") return send(ex, 400, { message: "token required" });
      fake().addToken(b.token, { admin: b.admin !== false });
      send(ex, 204);
    }),
    route("POST", "/registration-token", (ex) => {
      const b = body(ex);
      if (typeof b.scope !== "string") return send(ex, 400, { message: "scope required" });
      send(ex, 201, fake().registrationToken(b.scope, b.kind === "remove" ? "remove" : "registration"));
    }),
    route("POST", "/token-ttl", (ex) => {
      const b = body(ex);
      if (typeof b.runnerTokenMs === "number") fake().setRunnerTokenTtl(b.runnerTokenMs);
      if (typeof b.installationTokenMs === "number") fake().setInstallationTokenTtl(b.installationTokenMs);
      send(ex, 204);
    }),
    route("POST", "/expire-tokens", (ex) => {
      fake().expireTokens();
      send(ex, 204);
    }),
    route("POST", "/apps", (ex) => {
      const b = body(ex);
      if (typeof b.appId !== "number" || typeof b.publicKeyPem !== "string") return send(ex, 400, { message: "appId, publicKeyPem required" });
      fake().registerApp({ appId: b.appId, publicKeyPem: b.publicKeyPem, ...(Array.isArray(b.accounts) ? { accounts: b.accounts as string[] } : {}) });
      send(ex, 204);
    }),
    route("POST", "/runner-groups", (ex) => {
      const b = body(ex);
      if (typeof b.scope !== "string" || typeof b.name !== "string") return send(ex, 400, { message: "scope, name required" });
      send(ex, 201, { id: fake().addRunnerGroup(b.scope, b.name) });
    }),
    route("DELETE", "/runners/(?<id>\\d+)", (ex) => {
      const outcome = fake().removeRunner(Number(ex.params.id), { force: ex.query.get("force") === "1" });
      if (outcome === "removed") return send(ex, 204);
      send(ex, outcome === "busy" ? 422 : 404, { message: outcome });
    }),
  ];
}
