// Every response the fake GitHub sends for a documented REST endpoint,
// success and error paths, validated against GitHub's own OpenAPI
// description (@octokit/openapi) for that operation and status.
import { generateKeyPairSync } from "node:crypto";
import t from "tap";
import { signJwtRs256, startFakeGitHub } from "../fakes/github/fake-github.ts";
import { fakeRestCaller, type Reply } from "../helpers/fake-rest-call.ts";
import { connectListener } from "../fakes/github/test-listener.ts";

const gh = await startFakeGitHub({ noAdminTokens: ["github_pat_noadmin"] });
t.teardown(() => gh.close());
const { call, conforms, validate } = fakeRestCaller(gh);

t.test("the validator rejects what GitHub's schema does not allow", async (t) => {
  const wrongRunner = validate("GET", "/repos/{owner}/{repo}/actions/runners", 200, { total_count: 1, runners: [{ id: "7", name: "r" }] });
  t.ok(wrongRunner.errors.some((e) => e.includes("'busy'")), "missing required field");
  const badDate = validate("POST", "/orgs/{org}/actions/runners/remove-token", 201, { token: "x", expires_at: "tomorrow" });
  t.ok(badDate.errors.some((e) => e.includes("date-time")), "formats are checked");
  const notNull = validate("GET", "/enterprises/{enterprise}/actions/runners/{runner_id}", 200, { id: 1, name: "r", os: "Linux", status: "online", busy: null, labels: [] });
  t.ok(notNull.errors.length > 0, "enterprise paths come from ghec.json");
});

const scopes = [
  { prefix: "/repos/{owner}/{repo}", path: "/repos/acme/api" },
  { prefix: "/orgs/{org}", path: "/orgs/acme" },
  { prefix: "/enterprises/{enterprise}", path: "/enterprises/big" },
];

for (const scope of scopes) {
  t.test(`runner endpoints of ${scope.prefix}`, async (t) => {
    const runners = `${scope.prefix}/actions/runners`;
    for (const kind of ["registration-token", "remove-token"]) {
      const reply = await call("POST", `${scope.path}/actions/runners/${kind}`);
      conforms(t, "POST", `${runners}/${kind}`, reply, 201);
    }
    const jit = (body: unknown): Promise<Reply> => call("POST", `${scope.path}/actions/runners/generate-jitconfig`, { body });
    const created = await jit({ name: "jit-1", runner_group_id: 1, labels: ["self-hosted", "x"] });
    conforms(t, "POST", `${runners}/generate-jitconfig`, created, 201);
    conforms(t, "POST", `${runners}/generate-jitconfig`, await jit({ name: "jit-1", runner_group_id: 1, labels: ["x"] }), 409);
    conforms(t, "POST", `${runners}/generate-jitconfig`, await jit({ name: "jit-2", runner_group_id: 999, labels: ["x"] }), 404);
    conforms(t, "POST", `${runners}/generate-jitconfig`, await jit({ name: "jit-3", runner_group_id: 1, labels: [] }), 422);
    await jit({ name: "jit-2", runner_group_id: 1, labels: ["x"] });
    await jit({ name: "jit-3", runner_group_id: 1, labels: ["x"] });

    const page1 = await call("GET", `${scope.path}/actions/runners?per_page=2`);
    conforms(t, "GET", runners, page1, 200);
    t.match(page1.body, { total_count: 3 });
    t.equal((page1.body as { runners: unknown[] }).runners.length, 2);
    t.match(page1.headers.get("link"), /<http:\/\/127\.0\.0\.1:\d+\/api\/v3.*page=2>; rel="next", <.*page=2>; rel="last"/);
    const byName = await call("GET", `${scope.path}/actions/runners?name=jit-2`);
    conforms(t, "GET", runners, byName, 200);
    t.match(byName.body, { total_count: 1, runners: [{ name: "jit-2" }] });

    const id = (created.body as { runner: { id: number } }).runner.id;
    conforms(t, "GET", `${runners}/{runner_id}`, await call("GET", `${scope.path}/actions/runners/${id}`), 200);
    conforms(t, "GET", `${runners}/{runner_id}`, await call("GET", `${scope.path}/actions/runners/99999`), 404);

    // A busy runner cannot be deleted (422), an idle one can (204), then it is gone (404).
    const listener = await connectListener(gh, (created.body as { encoded_jit_config: string }).encoded_jit_config);
    const jobId = gh.queueJob({ labels: ["x"] });
    const message = await listener.poll();
    t.match(message, { type: "job", job: { id: jobId } });
    t.equal(gh.runners().find((r) => r.id === id)?.busy, true);
    const busy = await call("DELETE", `${scope.path}/actions/runners/${id}`);
    conforms(t, "DELETE", `${runners}/{runner_id}`, busy, 422);
    t.match(busy.body, { message: 'Bad request - Runner "jit-1" is still running a job' });
    await listener.complete(jobId, "Succeeded");
    t.equal(gh.job(jobId)?.conclusion, "Succeeded");
    // A JIT runner is ephemeral: GitHub deleted it once its job completed.
    conforms(t, "DELETE", `${runners}/{runner_id}`, await call("DELETE", `${scope.path}/actions/runners/${id}`), 404);
    const second = (await call("GET", `${scope.path}/actions/runners?name=jit-2`)).body as { runners: [{ id: number }] };
    conforms(t, "DELETE", `${runners}/{runner_id}`, await call("DELETE", `${scope.path}/actions/runners/${second.runners[0].id}`), 204);

    if (scope.prefix !== "/repos/{owner}/{repo}") {
      gh.addRunnerGroup(scope.path.slice(1), "gpus");
      const groups = await call("GET", `${scope.path}/actions/runner-groups`);
      conforms(t, "GET", `${scope.prefix}/actions/runner-groups`, groups, 200);
      t.match(groups.body, { total_count: 2, runner_groups: [{ id: 1, name: "Default", default: true }, { name: "gpus", default: false }] });
    }
  });
}

t.test("credentials and rate limits", async (t) => {
  const path = "/repos/acme/api/actions/runners";
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runners", await call("GET", path, { token: "nope" }), 401);
  t.match((await call("GET", path, { token: "nope" })).body, { message: "Bad credentials" });
  const noAdmin = await call("POST", `${path}/registration-token`, { token: "github_pat_noadmin" });
  conforms(t, "POST", "/repos/{owner}/{repo}/actions/runners/registration-token", noAdmin, 403);
  t.match(noAdmin.body, { message: "Resource not accessible by personal access token" });

  const ok = await call("GET", path);
  t.equal(ok.headers.get("x-ratelimit-limit"), "5000");
  t.match(ok.headers.get("x-ratelimit-remaining"), /^\d+$/);
  t.match(ok.headers.get("x-ratelimit-reset"), /^\d{10}$/);
  gh.rateLimit({ status: 403, times: 1, resetInSec: 30 });
  const limited = await call("GET", path);
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runners", limited, 403);
  t.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  t.ok(Number(limited.headers.get("x-ratelimit-reset")) >= Math.floor(Date.now() / 1000) + 25);
  gh.rateLimit({ status: 429, retryAfterSec: 7 });
  const secondary = await call("GET", path);
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runners", secondary, 429);
  t.equal(secondary.headers.get("retry-after"), "7");
  t.equal((await call("GET", path)).status, 200, "limits lift after the programmed count");
});

t.test("GitHub App: installation lookup and installation tokens", async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  gh.registerApp({ appId: 42, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), accounts: ["acme", "big"] });
  const now = Math.floor(Date.now() / 1000);
  const jwt = signJwtRs256({ iat: now - 60, exp: now + 540, iss: "42" }, privateKey);
  const templates = [
    ["/repos/acme/api/installation", "/repos/{owner}/{repo}/installation"],
    ["/orgs/acme/installation", "/orgs/{org}/installation"],
    ["/enterprises/big/installation", "/enterprises/{enterprise}/installation"],
  ] as const;
  let installationId = 0;
  for (const [path, template] of templates) {
    const reply = await call("GET", path, { token: jwt });
    conforms(t, "GET", template, reply, 200);
    installationId ||= (reply.body as { id: number }).id;
  }
  conforms(t, "GET", "/orgs/{org}/installation", await call("GET", "/orgs/elsewhere/installation", { token: jwt }), 404);
  const forged = signJwtRs256({ iat: now - 60, exp: now + 540, iss: 42 }, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  conforms(t, "GET", "/orgs/{org}/installation", await call("GET", "/orgs/acme/installation", { token: forged }), 401);
  const expired = signJwtRs256({ iat: now - 700, exp: now - 100, iss: 42 }, privateKey);
  conforms(t, "GET", "/orgs/{org}/installation", await call("GET", "/orgs/acme/installation", { token: expired }), 401);

  const tokens = "/app/installations/{installation_id}/access_tokens";
  gh.setInstallationTokenTtl(60_000);
  const issued = await call("POST", `/app/installations/${installationId}/access_tokens`, { token: jwt });
  conforms(t, "POST", tokens, issued, 201);
  const { token, expires_at } = issued.body as { token: string; expires_at: string };
  t.ok(Date.parse(expires_at) - Date.now() <= 60_000, "expiry follows the knob");
  conforms(t, "POST", tokens, await call("POST", `/app/installations/${installationId}/access_tokens`, { token: forged }), 401);
  conforms(t, "POST", tokens, await call("POST", "/app/installations/9/access_tokens", { token: jwt }), 404);
  // The installation token works on runner endpoints until it expires.
  t.equal((await call("POST", "/repos/acme/api/actions/runners/registration-token", { token })).status, 201);
  gh.expireTokens();
  t.equal((await call("POST", "/repos/acme/api/actions/runners/registration-token", { token })).status, 401);
});

t.test("workflow runs and their jobs (what the controller reconciles with)", async (t) => {
  const runId = gh.newRunId();
  const ids = [1, 2, 3].map((i) => gh.queueJob({ labels: ["x"], repository: "acme/ci", runId, name: `m-${i}` }));
  gh.queueJob({ labels: ["x"], repository: "acme/other" });
  const runs = await call("GET", "/repos/acme/ci/actions/runs?status=queued");
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runs", runs, 200);
  t.match(runs.body, { total_count: 1, workflow_runs: [{ id: runId, status: "queued", repository: { full_name: "acme/ci" } }] });
  t.match((await call("GET", "/repos/acme/ci/actions/runs?status=in_progress")).body, { total_count: 0 });
  const page = await call("GET", `/repos/acme/ci/actions/runs/${runId}/jobs?per_page=2`);
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", page, 200);
  t.match(page.body, { total_count: 3, jobs: [{ id: ids[0], run_id: runId, status: "queued", labels: ["x"], runner_name: null }, { id: ids[1] }] });
  t.match(page.headers.get("link"), /page=2>; rel="next"/);
  // A job taken by a runner: the run is in progress, the job names its runner.
  const created = await call("POST", "/repos/acme/ci/actions/runners/generate-jitconfig", { body: { name: "runs-1", runner_group_id: 1, labels: ["x"] } });
  const listener = await connectListener(gh, (created.body as { encoded_jit_config: string }).encoded_jit_config);
  t.match(await listener.poll(), { type: "job", job: { id: ids[0] } });
  t.match((await call("GET", "/repos/acme/ci/actions/runs?status=in_progress")).body, { total_count: 1 });
  const jobs = await call("GET", `/repos/acme/ci/actions/runs/${runId}/jobs`);
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", jobs, 200);
  t.match(jobs.body, { jobs: [{ id: ids[0], status: "in_progress", runner_name: "runs-1", runner_group_name: "Default" }] });
  await listener.complete(ids[0] as number, "Succeeded");
  const completed = await call("GET", `/repos/acme/ci/actions/runs/${runId}/jobs`);
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", completed, 200);
  t.match(completed.body, { jobs: [{ id: ids[0], status: "completed", conclusion: "success" }] });
  conforms(t, "GET", "/repos/{owner}/{repo}/actions/runs", await call("GET", "/repos/acme/ci/actions/runs", { token: "nope" }), 401);
});

t.test("workflow_job deliveries: signed like GitHub's, shaped like its recorded examples", async (t) => {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const { verify } = await import("@octokit/webhooks-methods");
  const hook = await gh.addWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: "hook-secret" });
  const id = gh.queueJob({ labels: ["self-hosted", "hooked"], repository: "acme/hooks" });
  gh.cancelJob(id);
  await hook.settled();
  hook.remove();
  t.same(received.map((r) => r.headers["x-github-event"]), ["ping", "workflow_job", "workflow_job"]);
  for (const r of received) {
    t.ok(await verify("hook-secret", r.body, String(r.headers["x-hub-signature-256"])), "X-Hub-Signature-256 verifies");
    t.match(r.headers["x-github-delivery"], /^[0-9a-f-]{36}$/);
  }
  const queued = JSON.parse(received[1]?.body ?? "{}") as Record<string, unknown>;
  t.match(queued, {
    action: "queued",
    workflow_job: { id, status: "queued", labels: ["self-hosted", "hooked"], runner_name: null, run_url: /\/repos\/acme\/hooks\/actions\/runs\/\d+$/ },
    repository: { full_name: "acme/hooks", name: "hooks", owner: { login: "acme" } },
    sender: { login: "Codertocat" },
  });
  t.match(JSON.parse(received[2]?.body ?? "{}"), { action: "completed", workflow_job: { id, status: "completed", conclusion: "cancelled" } });
  t.same(hook.deliveries().map((d) => d.status), [202, 202, 202]);
});
