import { randomBytes } from "node:crypto";
import { jsonBody, send, type Exchange, type Route } from "./exchange.ts";
import { RUNNER_PROTOCOL_PATH } from "./jit-config.ts";
import { verifyJwtRs256 } from "./jwt.ts";
import type { RunnerRecord } from "./runner-registry.ts";
import type { JobResult } from "./types.ts";
import type { World } from "./world.ts";

const RESULTS: readonly JobResult[] = ["Succeeded", "SucceededWithIssues", "Failed", "Canceled", "Skipped", "Abandoned"];

/**
 * The listener side of the fake's runner protocol (not GitHub's broker
 * protocol, just enough to behave like it): OAuth with a client assertion
 * signed by the runner's key, one session per runner, long-polled messages
 * (a job, a cancellation or a release), and job start, log and completion reports.
 */
export function runnerSessionRoutes(world: World): Route[] {
  const P = RUNNER_PROTOCOL_PATH;
  const withRunner = (fn: (ex: Exchange, runner: RunnerRecord) => void | Promise<void>) => (ex: Exchange) => {
    const runner = authRunner(world, ex);
    if (runner) return fn(ex, runner);
  };
  return [
    { method: "POST", pattern: new RegExp(`^${P}/oauth/token$`), handler: (ex) => oauthToken(world, ex) },
    {
      method: "POST",
      pattern: new RegExp(`^${P}/sessions$`),
      handler: withRunner((ex, runner) => {
        const sid = world.sessions.create(runner.id);
        if (sid === "conflict") return send(ex, 409, { code: "SessionConflict", message: "A session for this runner already exists." });
        const version = jsonBody(ex)?.version;
        world.registry.update(runner.id, { status: "online", ...(typeof version === "string" ? { version } : {}) });
        send(ex, 200, { sessionId: sid });
      }),
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^${P}/sessions/(?<sid>[^/]+)$`),
      handler: withRunner((ex, runner) => {
        if (world.sessions.get(ex.params.sid ?? "")?.runnerId === runner.id) world.sessions.delete(ex.params.sid ?? "");
        if (!world.sessions.hasSession(runner.id)) world.registry.update(runner.id, { status: "offline" });
        send(ex, 204);
      }),
    },
    { method: "GET", pattern: new RegExp(`^${P}/sessions/(?<sid>[^/]+)/messages$`), handler: withRunner((ex, r) => poll(world, ex, r)) },
    {
      method: "POST",
      pattern: new RegExp(`^${P}/jobs/(?<id>\\d+)/(?<what>start|log|complete)$`),
      handler: withRunner((ex, runner) => jobReport(world, ex, runner)),
    },
  ];
}

function oauthToken(world: World, ex: Exchange): void {
  // The real endpoint takes a form body; accept JSON too.
  let assertion: string | undefined;
  const type = ex.req.headers["content-type"] ?? "";
  if (type.includes("application/x-www-form-urlencoded")) assertion = new URLSearchParams(ex.body).get("client_assertion") ?? undefined;
  else {
    const v = jsonBody(ex)?.client_assertion;
    assertion = typeof v === "string" ? v : undefined;
  }
  const claims = assertion ? decodeClaims(assertion) : undefined;
  const clientId = typeof claims?.sub === "string" ? claims.sub : undefined;
  const runner = clientId ? world.registry.list().find((r) => r.clientId === clientId) : undefined;
  // A deleted registration has no client any more: the listener reads "invalid_client" as "registration deleted".
  if (!runner || !runner.publicKeyPem || !assertion) return send(ex, 401, { error: "invalid_client" });
  const verified = verifyJwtRs256(assertion, runner.publicKeyPem, { maxLifetimeSec: 600 });
  if ("error" in verified) return send(ex, 401, { error: "invalid_client", error_description: verified.error });
  const token = randomBytes(24).toString("hex");
  world.accessTokens.set(token, runner.id);
  send(ex, 200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
}

function decodeClaims(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The runner of the access token in `Authorization: Bearer`; sends 401/404 and returns undefined otherwise. */
function authRunner(world: World, ex: Exchange): RunnerRecord | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ex.req.headers.authorization ?? "");
  const runnerId = m ? world.accessTokens.get(m[1]!) : undefined;
  if (runnerId === undefined) {
    send(ex, 401, { code: "Unauthorized", message: "Unauthorized" });
    return undefined;
  }
  const runner = world.registry.get(runnerId);
  if (!runner) {
    send(ex, 404, { code: "RunnerNotFound", message: `Runner ${runnerId} not found.` });
    return undefined;
  }
  return runner;
}

/** Long poll: answers with a cancellation, a release of a held job, a job, 404 when the registration or session is gone, or 204 after the hold time. */
function poll(world: World, ex: Exchange, runner: RunnerRecord): Promise<void> {
  const sid = ex.params.sid ?? "";
  if (world.sessions.get(sid)?.runnerId !== runner.id) {
    send(ex, 404, { code: "SessionExpired", message: "The session has expired." });
    return Promise.resolve();
  }
  const waitMs = Math.min(Number(ex.query.get("waitMs") ?? world.pollHoldMs) || 0, world.pollHoldMs);
  const endPoll = world.sessions.beginPoll(sid);
  return new Promise<void>((resolve) => {
    let done = false;
    /** Answers once; `commit` runs after the listeners are off, since its state changes emit "change". */
    const finish = (status: number, body?: unknown, commit?: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      world.registry.off("change", check);
      world.jobs.off("change", check);
      ex.res.off("close", onClose);
      endPoll();
      commit?.();
      send(ex, status, body);
      resolve();
    };
    const check = (): void => {
      if (done) return;
      const current = world.registry.get(runner.id);
      if (!current) return finish(404, { code: "RunnerNotFound", message: `Runner ${runner.id} not found.` });
      if (world.sessions.get(sid) === undefined) return finish(404, { code: "SessionExpired", message: "The session has expired." });
      const cancel = world.jobs.takeCancel(runner.id);
      if (cancel !== undefined) return finish(200, { type: "cancel", jobId: cancel });
      const release = world.jobs.takeRelease(runner.id);
      if (release !== undefined) return finish(200, { type: "release", jobId: release });
      if (current.busy) return;
      const job = world.jobs.nextFor(current.labels.map((l) => l.name), world.jobsByScope ? current.scope : undefined);
      if (!job) return;
      const message = { id: job.id, name: job.name, run: job.run, durationMs: job.durationMs, env: job.env, hold: job.held };
      finish(200, { type: "job", job: message }, () => {
        world.jobs.assign(job.id, current.id, current.name);
        world.registry.update(current.id, { busy: true, jobId: job.id });
      });
    };
    const onClose = (): void => {
      if (!ex.res.writableEnded) finish(204);
    };
    const timer = setTimeout(() => finish(204), waitMs);
    world.registry.on("change", check);
    world.jobs.on("change", check);
    ex.res.on("close", onClose);
    check();
  });
}

function jobReport(world: World, ex: Exchange, runner: RunnerRecord): void {
  const id = Number(ex.params.id);
  const job = world.jobs.get(id);
  if (!job || job.runnerId !== runner.id) return send(ex, 404, { message: `Job ${id} not found.` });
  if (ex.params.what === "start") return send(ex, 200, { id });
  if (ex.params.what === "log") {
    world.jobs.appendLog(id, ex.body);
    return send(ex, 200, { id });
  }
  const body = jsonBody(ex);
  const result = body?.result;
  if (typeof result !== "string" || !RESULTS.includes(result as JobResult)) return send(ex, 400, { message: "result required" });
  // GitHub deletes an ephemeral runner's registration once its job is done; a
  // `run.sh --once` runner asks for the same (docs/runner-contract.md). Forget
  // it before it looks idle, or an open poll would hand it a second job.
  if (runner.ephemeral || body?.once === true) {
    world.sessions.deleteForRunner(runner.id);
    world.registry.forget(runner.id);
    world.jobs.complete(id, result as JobResult);
  } else {
    world.jobs.complete(id, result as JobResult);
    world.registry.update(runner.id, { busy: false, jobId: null });
  }
  send(ex, 200, { id });
}
