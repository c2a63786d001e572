// The fake GitHub's behaviour beyond single responses: octokit against it,
// fault and rate-limit knobs, runner registration, sessions and jobs, the
// request log, and the CLI with its control API.
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createInterface } from "node:readline";
import t from "tap";
import { FAKE_PAT, startFakeGitHub } from "../fakes/github/fake-github.ts";
import { connectListener } from "../fakes/github/test-listener.ts";

const gh = await startFakeGitHub();
t.teardown(() => gh.close());

const octokit = new Octokit({ auth: FAKE_PAT, baseUrl: gh.apiUrl });

async function jitRunner(owner: string, repo: string, name: string, labels: string[]): Promise<string> {
  const { data } = await octokit.actions.generateRunnerJitconfigForRepo({ owner, repo, name, runner_group_id: 1, labels });
  return data.encoded_jit_config;
}

t.test("octokit: tokens, pagination through Link, a busy runner's 422", async (t) => {
  const { data: token } = await octokit.actions.createRegistrationTokenForRepo({ owner: "oct", repo: "kit" });
  t.match(token, { token: /^A[A-Z0-9]{28}$/, expires_at: /Z$/ });
  for (let i = 0; i < 5; i++) await jitRunner("oct", "kit", `r${i}`, ["self-hosted"]);
  const all = await octokit.paginate(octokit.actions.listSelfHostedRunnersForRepo, { owner: "oct", repo: "kit", per_page: 2 });
  t.same(all.map((r) => r.name), ["r0", "r1", "r2", "r3", "r4"]);

  const listener = await connectListener(gh, await jitRunner("oct", "kit", "busy", ["only-busy"]));
  t.equal(gh.runner("busy")?.status, "online");
  const jobId = gh.queueJob({ labels: ["only-busy"], name: "long" });
  t.match(await listener.poll(), { type: "job", job: { id: jobId, name: "long" } });
  const busy = gh.runner("busy")!;
  const err = await octokit.actions.deleteSelfHostedRunnerFromRepo({ owner: "oct", repo: "kit", runner_id: busy.id }).catch((e: unknown) => e);
  t.match(err, { status: 422, message: /Runner "busy" is still running a job/ });
  await listener.log(jobId, "step output\n");
  await listener.complete(jobId, "Failed");
  t.match(gh.job(jobId), { status: "completed", conclusion: "Failed", runnerName: "busy", log: "step output\n" });
  await listener.close();
});

t.test("@octokit/auth-app: JWT -> installation -> token, with the expiry knob", async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  gh.registerApp({ appId: 7, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
  const appOctokit = new Octokit({
    baseUrl: gh.apiUrl,
    authStrategy: createAppAuth,
    auth: { appId: 7, privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
  });
  const { data: installation } = await appOctokit.apps.getRepoInstallation({ owner: "oct", repo: "kit" });
  const auth = createAppAuth({
    appId: 7,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    installationId: installation.id,
    request: appOctokit.request,
  });
  const inst = await auth({ type: "installation" });
  const client = new Octokit({ auth: inst.token, baseUrl: gh.apiUrl });
  t.equal((await client.actions.createRemoveTokenForRepo({ owner: "oct", repo: "kit" })).status, 201);
  gh.expireTokens();
  const expired = await client.actions.createRemoveTokenForRepo({ owner: "oct", repo: "kit" }).catch((e: unknown) => e);
  t.match(expired, { status: 401, message: /Bad credentials/ });
});

t.test("faults: status for N requests, delay, method filter, root and /api/v3 paths", async (t) => {
  const url = (base: string): string => `${base}/repos/f/a/actions/runners`;
  const get = (base: string): Promise<Response> => fetch(url(base), { headers: { authorization: `token ${FAKE_PAT}` } });
  const remove = gh.fault({ path: /^\/repos\/f\/a\/actions\/runners$/, method: "GET", status: 500, times: 2 });
  t.equal((await get(gh.apiUrl)).status, 500);
  t.equal((await get(gh.url)).status, 500, "the root path is faulted alike");
  t.equal((await get(gh.apiUrl)).status, 200, "then normal again");
  remove();
  gh.fault({ path: "/repos/f/a/actions/runners", status: 502, body: { message: "upstream" }, headers: { "x-why": "test" }, times: 1 });
  const custom = await get(gh.url);
  t.equal(custom.status, 502);
  t.equal(custom.headers.get("x-why"), "test");
  t.same(await custom.json(), { message: "upstream" });
  gh.fault({ path: "/repos/f/a/actions/runners", method: "POST", status: 503 });
  t.equal((await get(gh.url)).status, 200, "a POST fault leaves GET alone");
  gh.clearFaults();
  gh.fault({ path: "/repos/f/a/actions/runners", delayMs: 300, times: 1 });
  const started = Date.now();
  t.equal((await get(gh.url)).status, 200);
  t.ok(Date.now() - started >= 290, "answered after the delay");
});

t.test("runner-registration: RemoteAuth token, scope match, expiry, both base paths", async (t) => {
  const post = (base: string, token: string, body: unknown): Promise<Response> =>
    fetch(`${base}/actions/runner-registration`, {
      method: "POST",
      headers: { authorization: `RemoteAuth ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const { token } = gh.registrationToken("orgs/reg");
  const ok = await post(gh.apiUrl, token, { url: `${gh.url}/reg`, runner_event: "register" });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { url: `${gh.url}/_fake/runner`, token_schema: "OAuthAccessToken", token: /\w+/ });
  t.equal((await post(gh.url, token, { url: `${gh.url}/reg`, runner_event: "register" })).status, 200, "root path too");
  t.equal((await post(gh.apiUrl, token, { url: `${gh.url}/other`, runner_event: "register" })).status, 404, "other scope");
  t.equal((await post(gh.apiUrl, token, { url: `${gh.url}/reg`, runner_event: "remove" })).status, 404, "a registration token does not remove");
  gh.setRunnerTokenTtl(1);
  const { token: shortLived } = gh.registrationToken("orgs/reg");
  await new Promise((r) => setTimeout(r, 20));
  t.equal((await post(gh.apiUrl, shortLived, { url: `${gh.url}/reg`, runner_event: "register" })).status, 404, "expired");
  gh.setRunnerTokenTtl(3_600_000);
  const logged = gh.requests().filter((r) => r.path.endsWith("/actions/runner-registration"));
  t.ok(logged.every((r) => r.headers.authorization?.toString().startsWith("RemoteAuth ")), "request log keeps headers");
  t.match(logged[0]?.body, /"runner_event":"register"/);
});

t.test("sessions and jobs: conflict, idle expiry, label matching, cancellation, held jobs", async (t) => {
  // Its own fake: sessions expire when the test says (expireIdleSessions), never between two of its steps, however
  // long a step takes on a loaded machine (the default idle timeout, 5 s, expired one between two polls).
  const own = await startFakeGitHub({ sessionIdleTimeoutMs: 24 * 3600_000 });
  t.teardown(() => own.close());
  const { data } = await new Octokit({ auth: FAKE_PAT, baseUrl: own.apiUrl }).actions.generateRunnerJitconfigForRepo({
    owner: "s",
    repo: "j",
    name: "sess",
    runner_group_id: 1,
    labels: ["self-hosted"],
  });
  const idle = await connectListener(own, data.encoded_jit_config);
  await t.rejects(connectListener(own, data.encoded_jit_config), /409 .*A session for this runner already exists/, "one session per runner");
  t.equal(own.runner("sess")?.status, "online");
  const abandoned = own.queueJob({ labels: ["self-hosted"] });
  t.match(await idle.poll(1000), { type: "job" });
  // The listener polls no more: its session expires, the runner goes offline, its job is abandoned.
  own.expireIdleSessions();
  t.match(own.runner("sess"), { status: "offline", busy: false, jobId: null });
  t.equal(own.job(abandoned)?.conclusion, "Abandoned");

  // The same by the clock: a session nobody polls is gone after sessionIdleTimeoutMs.
  const quick = await startFakeGitHub({ sessionIdleTimeoutMs: 300 });
  t.teardown(() => quick.close());
  const { data: timed } = await new Octokit({ auth: FAKE_PAT, baseUrl: quick.apiUrl }).actions.generateRunnerJitconfigForRepo({
    owner: "s",
    repo: "j",
    name: "timed",
    runner_group_id: 1,
    labels: ["self-hosted"],
  });
  // A busy runner's listener that stopped polling first keeps its session and its job past the idle timeout.
  const { data: working } = await new Octokit({ auth: FAKE_PAT, baseUrl: quick.apiUrl }).actions.generateRunnerJitconfigForRepo({
    owner: "s",
    repo: "j",
    name: "working",
    runner_group_id: 1,
    labels: ["self-hosted"],
  });
  const worker = await connectListener(quick, working.encoded_jit_config);
  const kept = quick.queueJob({ labels: ["self-hosted"] });
  t.match(await worker.poll(1000), { type: "job", job: { id: kept } });
  await connectListener(quick, timed.encoded_jit_config);
  await quick.waitFor(() => quick.runner("timed")?.status === "offline");
  t.match(quick.runner("working"), { status: "online", busy: true, jobId: kept }, "a busy runner's session outlives the idle timeout");
  t.equal(quick.job(kept)?.status, "in_progress");
  quick.expireIdleSessions();
  t.equal(quick.job(kept)?.conclusion, "Abandoned", "until the test expires it");

  const again = await connectListener(gh, await jitRunner("s", "j", "labels", ["self-hosted", "Linux", "X64", "gpu"]));
  const tooDemanding = gh.queueJob({ labels: ["self-hosted", "gpu", "arm64"] });
  const fits = gh.queueJob({ labels: ["SELF-HOSTED", "gpu"] });
  t.match(await again.poll(1000), { type: "job", job: { id: fits } }, "labels compare case-insensitively; all must match");
  t.equal(gh.job(tooDemanding)?.status, "queued");
  t.ok(gh.cancelJob(tooDemanding));
  t.equal(gh.job(tooDemanding)?.conclusion, "Canceled");
  t.ok(gh.cancelJob(fits));
  t.same(await again.poll(1000), { type: "cancel", jobId: fits }, "a running job is cancelled through its runner");
  await again.complete(fits, "Canceled");
  t.equal(gh.job(fits)?.conclusion, "Canceled");

  // A held job: handed out with hold, released once through the runner's next poll.
  const holder = await connectListener(gh, await jitRunner("s", "j", "holder", ["self-hosted", "holds"]));
  const held = gh.queueJob({ labels: ["holds"], hold: true });
  t.match(await holder.poll(1000), { type: "job", job: { id: held, hold: true } });
  t.equal(gh.job(held)?.held, true);
  t.ok(gh.releaseJob(held));
  t.notOk(gh.releaseJob(held), "released once");
  t.same(await holder.poll(1000), { type: "release", jobId: held });
  await holder.complete(held, "Succeeded");
  const early = gh.queueJob({ labels: ["holds-early"], hold: true });
  t.ok(gh.releaseJob(early), "a queued job can be released before a runner takes it");
  const late = await connectListener(gh, await jitRunner("s", "j", "late", ["self-hosted", "holds-early"]));
  t.match(await late.poll(1000), { type: "job", job: { id: early, hold: false } });
  await t.rejects(gh.waitFor(() => false, 50), /timed out after 50 ms/);
});

t.test("jobsByScope: a job goes only to runners of its repository or organization; a hook with a scope hears only its jobs", async (t) => {
  const scoped = await startFakeGitHub({ jobsByScope: true });
  t.teardown(() => scoped.close());
  const kit = new Octokit({ auth: FAKE_PAT, baseUrl: scoped.apiUrl });
  const jit = async (scope: { owner: string; repo?: string }, name: string): Promise<string> => {
    const body = { name, runner_group_id: 1, labels: ["shared"] };
    const { data } = scope.repo
      ? await kit.actions.generateRunnerJitconfigForRepo({ owner: scope.owner, repo: scope.repo, ...body })
      : await kit.actions.generateRunnerJitconfigForOrg({ org: scope.owner, ...body });
    return data.encoded_jit_config;
  };
  const received: string[] = [];
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.headers["x-github-event"] === "workflow_job") received.push((JSON.parse(body) as { repository: { full_name: string } }).repository.full_name);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const hook = await scoped.addWebhook({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, secret: "s", scope: "repos/one/a" });
  const other = scoped.queueJob({ labels: ["shared"], repository: "two/b" });
  const mine = scoped.queueJob({ labels: ["shared"], repository: "one/a" });
  const repoRunner = await connectListener(scoped, await jit({ owner: "one", repo: "a" }, "repo-a"));
  t.match(await repoRunner.poll(1000), { type: "job", job: { id: mine } }, "the repository's runner skips the older job of another repository");
  const orgRunner = await connectListener(scoped, await jit({ owner: "two" }, "org-two"));
  t.match(await orgRunner.poll(1000), { type: "job", job: { id: other } }, "an organization's runner takes its repositories' jobs");
  await hook.settled();
  t.same(received, ["one/a", "one/a"], "the repository's hook heard its job's queued and in_progress, nothing of two/b");
});

t.test("CLI: prints its URL, control API drives it from another process", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fakes/github/main.ts", "--port", "0", "--token", "cli-token"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const json = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${url}${path}`, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  t.match(await json("POST", "/_fake/jobs", { labels: ["self-hosted"], name: "remote" }), { status: 201, body: { id: 1 } });
  t.match(await json("GET", "/_fake/jobs/1"), { status: 200, body: { status: "queued", name: "remote" } });
  t.match(await json("POST", "/_fake/faults", { path: "^/repos/", regex: true, status: 500, times: 1 }), { status: 201 });
  const faulted = await fetch(`${url}/api/v3/repos/a/b/actions/runners`, { headers: { authorization: "Bearer cli-token" } });
  t.equal(faulted.status, 500);
  const fine = await fetch(`${url}/api/v3/repos/a/b/actions/runners`, { headers: { authorization: "Bearer cli-token" } });
  t.equal(fine.status, 200, "--token is accepted");
  t.match(await json("GET", "/_fake/state"), { status: 200, body: { runners: [], jobs: [{ id: 1 }] } });
  const requests = (await json("GET", "/_fake/requests")).body as { path: string; status: number }[];
  t.ok(requests.some((r) => r.path === "/api/v3/repos/a/b/actions/runners" && r.status === 500));
  child.kill("SIGTERM");
  const code = await new Promise((resolve) => child.once("exit", resolve));
  t.equal(code, 0);
});
