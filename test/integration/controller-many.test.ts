// One controller for many repositories (REPOS_CONFIG_FILE): each entry has
// its own webhook path, secret, cap and runners; the host's MAX_RUNNERS
// bounds them all; a reload adds and drains entries while jobs run.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import t from "tap";
import type { FakeJob } from "../fakes/github/fake-github.ts";
import { freePort } from "../fixtures/warmstart/storage-host.ts";
import { startMultiRig, type MultiRig, type RigEntry } from "../helpers/multi-rig.ts";

const ALPHA: RigEntry = { id: "alpha", repo: "octo/alpha", max: 1 };
const BETA: RigEntry = { id: "beta", repo: "octo/beta", max: 3 };

const post = (rig: MultiRig, path: string, body: string, headers: Record<string, string>): Promise<Response> =>
  fetch(`${rig.base}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

async function served(rig: MultiRig, ids: number[]): Promise<FakeJob[]> {
  return rig.gh.waitFor(() => {
    const jobs = ids.map((id) => rig.gh.job(id));
    return jobs.every((j) => j?.status === "completed") && (jobs as FakeJob[]);
  });
}

async function health(rig: MultiRig): Promise<Record<string, any>> {
  return (await (await fetch(`${rig.base}/health`)).json()) as Record<string, any>;
}

t.test("two entries with the same labels: each job runs only on its entry's runners, under each cap and the host's", async (t) => {
  const rig = await startMultiRig(t, [ALPHA, BETA], { MAX_RUNNERS: "2" });
  await rig.addHook(ALPHA);
  await rig.addHook(BETA);
  const peaks = { alpha: 0, all: 0 };
  const count = (): void => {
    const alive = rig.engine.alive();
    peaks.all = Math.max(peaks.all, alive.length);
    peaks.alpha = Math.max(peaks.alpha, alive.filter((c) => c.spec.labels["ci-runner.entry"] === "alpha").length);
  };
  rig.engine.on("change", count);
  const alphaJobs = [1, 2, 3].map((i) => rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha", name: `a${i}`, durationMs: 20 }));
  const betaJobs = [1, 2, 3].map((i) => rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta", name: `b${i}`, durationMs: 20 }));
  const jobs = await served(rig, [...alphaJobs, ...betaJobs]);
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  rig.engine.off("change", count);
  for (const job of jobs) {
    t.equal(job.conclusion, "Succeeded", `${job.name} succeeded`);
    t.equal(rig.entryOfRunner(job.runnerName), job.repository === "octo/alpha" ? "alpha" : "beta", `${job.name} (${job.repository}) ran on its entry's runner`);
  }
  t.equal(new Set(jobs.map((j) => j.runnerName)).size, 6, "each job on a runner of its own");
  t.ok(peaks.alpha <= 1, `alpha never had more than its max_runners=1 (peak ${peaks.alpha})`);
  t.ok(peaks.all <= 2, `the host never had more than MAX_RUNNERS=2 (peak ${peaks.all})`);

  const h = await health(rig);
  t.match(h, { status: "ok", max_runners: 2, pending: 0, entries: { alpha: { status: "ok", max_runners: 1, scope: "repository octo/alpha", webhook_path: "/webhook/alpha" }, beta: { max_runners: 3 } } });
  const metrics = await (await fetch(`${rig.base}/metrics`)).text();
  const started = (entry: string) => Number(new RegExp(`^ci_runner_controller_runners_started_total\\{entry="${entry}"\\} (\\d+)$`, "m").exec(metrics)?.[1]);
  const containersOf = (entry: string) => [...rig.engine.containers.values()].filter((c) => c.spec.labels["ci-runner.entry"] === entry).length;
  t.equal(started("alpha"), containersOf("alpha"), "runners started, counted under entry=alpha");
  t.equal(started("beta"), containersOf("beta"), "and under entry=beta");
  t.match(metrics, /^ci_runner_controller_jobs_pending\{entry="alpha"\} 0$/m);
  t.match(metrics, /^ci_runner_controller_webhook_deliveries_total\{entry="beta",result="accepted"\} \d+$/m);
  t.match(rig.lines.join("\n"), /controller\/alpha: (max_runners=1|MAX_RUNNERS=2) reached/, "a job over a cap waited, logged once");
});

t.test("WARM_RUNNERS over entries: a queued job of an entry held by the host's cap takes the slot of another entry's idle warm runner, never a busy one", async (t) => {
  const GAMMA: RigEntry = { id: "gamma", repo: "octo/gamma", max: 3 };
  const wide = { ...ALPHA, max: 3 };
  const rig = await startMultiRig(t, [wide, BETA], { MAX_RUNNERS: "4", WARM_RUNNERS: "2" });
  await rig.addHook(wide);
  const listening = () => rig.lines.filter((l) => / is listening for jobs /.test(l)).length;
  await rig.gh.waitFor(() => listening() >= 4 && rig.engine.alive().length === 4);
  let peak = 0;
  const count = (): void => void (peak = Math.max(peak, rig.engine.alive().length));
  rig.engine.on("change", count);
  // One of alpha's warm runners takes a held job: alpha keeps a busy runner and an idle one.
  const held = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha", hold: true });
  await rig.gh.waitFor(() => rig.gh.job(held)?.status === "in_progress");
  const busy = rig.gh.job(held)?.runnerName as string;

  rig.write([wide, BETA, GAMMA]);
  await rig.reload();
  await rig.waitForLine(/1 added \(gamma\)/);
  await rig.addHook(GAMMA);
  const job = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/gamma" });
  await rig.gh.waitFor(() => rig.gh.job(job)?.status === "completed");
  t.equal(rig.entryOfRunner(rig.gh.job(job)?.runnerName), "gamma", "gamma's job ran on gamma's runner");
  t.match(rig.lines.join("\n"), /controller\/(alpha|beta): stopping runner \S+: entry gamma has 1 queued job\(s\) and MAX_RUNNERS=4 is reached on this host/, "a warm runner of another entry made room");
  t.notMatch(rig.lines.join("\n"), new RegExp(`stopping runner ${busy}`), "the busy runner was not asked");
  t.equal(rig.gh.job(held)?.status, "in_progress", "alpha's job still runs");
  rig.engine.off("change", count);
  t.ok(peak <= 4, `the host never had more than MAX_RUNNERS=4 (peak ${peak})`);
  rig.gh.releaseJob(held);
  await rig.gh.waitFor(() => rig.gh.job(held)?.status === "completed");
});

t.test("required_labels: a runner of the entry that GitHub gives a job not the entry's is busy; the entry's queued job gets a runner of its own", async (t) => {
  const gpu: RigEntry = { id: "gpu", repo: "octo/gpu", labels: "ctl,gpu", max: 2, extra: { required_labels: ["gpu"] } };
  const rig = await startMultiRig(t, [gpu], { MAX_RUNNERS: "2" });
  await rig.addHook(gpu);
  // Not the entry's (no gpu label), yet its runners have every label it asks for.
  const other = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/gpu", name: "cpu", hold: true });
  await rig.waitForLine(new RegExp(`job ${other} \\(octo/gpu\\) does not ask for \\[gpu\\] \\(required_labels\\): not ours`));
  const ours = rig.gh.queueJob({ labels: ["ctl", "gpu"], repository: "octo/gpu", name: "gpu", hold: true });
  // GitHub gives the older job to the runner started for ours.
  await rig.gh.waitFor(() => rig.gh.job(other)?.status === "in_progress");
  t.equal(rig.entryOfRunner(rig.gh.job(other)?.runnerName), "gpu", "the other job runs on the entry's runner");
  await rig.gh.waitFor(() => rig.gh.job(ours)?.status === "in_progress");
  t.not(rig.gh.job(ours)?.runnerName, rig.gh.job(other)?.runnerName, "ours on a second runner, while the first still runs the other job");
  rig.gh.releaseJob(other);
  rig.gh.releaseJob(ours);
  const jobs = await served(rig, [other, ours]);
  t.ok(jobs.every((j) => j.conclusion === "Succeeded"));
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
});

t.test("paths: a wrong secret at one entry is 401 there only; another entry's job is not ours; /webhook and unknown ids are 404", async (t) => {
  const rig = await startMultiRig(t, [ALPHA, BETA]);
  const alphaHook = await rig.addHook(ALPHA);
  await rig.addHook(BETA);
  const ping = "{}";
  const forged = await post(rig, "/webhook/alpha", ping, { "x-github-event": "ping", "x-hub-signature-256": await sign(rig.secret("beta"), ping) });
  t.equal(forged.status, 401, "beta's secret at alpha's path: 401");
  for (let i = 0; i < 20; i++) await post(rig, "/webhook/alpha", ping, { "x-github-event": "ping", "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
  await rig.waitForLine(/controller\/alpha: warning: webhook delivery refused \(unauthorized\)/);
  const okBeta = await post(rig, "/webhook/beta", ping, { "x-github-event": "ping", "x-hub-signature-256": await sign(rig.secret("beta"), ping) });
  t.equal(okBeta.status, 200, "beta's own secret at its path: 200");
  const [betaJob] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta" })]);
  t.equal(rig.entryOfRunner(betaJob?.runnerName), "beta", "beta serves its job meanwhile");
  const [alphaJob] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha" })]);
  t.equal(rig.entryOfRunner(alphaJob?.runnerName), "alpha", "and alpha, with its own secret, still serves");

  // alpha's job, signed with beta's secret, at beta's path (an organization's hook would do that): acknowledged, not started.
  const before = rig.engine.containers.size;
  const queued = alphaHook.deliveries().find((d) => d.action === "queued")?.body as string;
  const cross = await post(rig, "/webhook/beta", queued, { "x-github-event": "workflow_job", "x-hub-signature-256": await sign(rig.secret("beta"), queued) });
  t.equal(cross.status, 200);
  t.match(await cross.json(), { result: "not_ours" });
  await rig.waitForLine(/controller\/beta: job \d+ is for octo\/alpha, and these runners are registered to octo\/beta: not ours/);
  t.equal(rig.engine.containers.size, before, "no runner started for it");

  const metrics = await (await fetch(`${rig.base}/metrics`)).text();
  t.match(metrics, /^ci_runner_controller_webhook_deliveries_total\{entry="alpha",result="unauthorized"\} 21$/m, "21 refusals counted at alpha");
  t.notMatch(metrics, /entry="beta",result="unauthorized"/, "none at beta");
  for (const path of ["/webhook", "/webhook/gamma", "/webhook/alpha/x"]) {
    const res = await post(rig, path, ping, { "x-github-event": "ping" });
    t.equal(res.status, 404, `${path}: 404`);
  }
});

t.test("reload: an added entry serves, a removed one finishes its running job, then its runners and registrations are gone", async (t) => {
  const rig = await startMultiRig(t, [ALPHA]);
  await rig.addHook(ALPHA);
  const held = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha", hold: true });
  await rig.waitForLine(new RegExp(`controller/alpha: job ${held} \\(octo/alpha, run \\d+\\) in_progress`));
  t.ok(existsSync(join(rig.dataDir, "controller-state.alpha.json")), "alpha's state file");

  rig.write([BETA]);
  await rig.reload();
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 1 entries serving; 1 added \(beta\), 1 removed \(alpha: draining\), 0 changed/);
  await rig.waitForLine(/controller\/alpha: removed from REPOS_CONFIG_FILE: no new job .* 1 busy one\(s\) finish their job first/);
  t.equal((await post(rig, "/webhook/alpha", "{}", { "x-github-event": "ping" })).status, 404, "alpha's path is gone");
  t.match(await health(rig), { entries: { alpha: { status: "draining", runners: { busy: 1 } }, beta: { status: "ok" } } });

  await rig.addHook(BETA);
  const [betaJob] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta" })]);
  t.equal(rig.entryOfRunner(betaJob?.runnerName), "beta", "the added entry serves its job");
  t.equal(rig.gh.job(held)?.status, "in_progress", "alpha's job still runs");

  rig.gh.releaseJob(held);
  const [done] = await served(rig, [held]);
  t.equal(done?.conclusion, "Succeeded", "and finishes");
  await rig.waitForLine(/controller\/alpha: drained: its last runner is gone/);
  t.equal(rig.engine.alive().filter((c) => c.spec.labels["ci-runner.entry"] === "alpha").length, 0, "no container of alpha left");
  await rig.gh.waitFor(() => rig.gh.runners("repos/octo/alpha").length === 0);
  t.notOk(existsSync(join(rig.dataDir, "controller-state.alpha.json")), "its state file is gone");
  const h = await health(rig);
  t.same(Object.keys(h.entries), ["beta"], "health shows beta only");
  t.notMatch(await (await fetch(`${rig.base}/metrics`)).text(), /jobs_pending\{entry="alpha"\}/, "alpha's gauges left /metrics");
});

t.test("a bad file at a reload: one line naming the file, the entry and the field; the entries in force go on", async (t) => {
  const rig = await startMultiRig(t, [ALPHA]);
  await rig.addHook(ALPHA);
  rig.write([{ ...ALPHA, extra: { max_runners: "lots" } }]);
  await rig.reload();
  const line = await rig.waitForLine(/ error: SIGHUP: /);
  t.match(line, `REPOS_CONFIG_FILE: ${rig.file}: entry "alpha": max_runners: expected an integer 1-10000, got "lots"; the entries in force stay`);
  t.match(await health(rig), { status: "degraded", last_reload_error: /max_runners/, entries: { alpha: { status: "ok" } } });
  const [job] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha" })]);
  t.equal(rig.entryOfRunner(job?.runnerName), "alpha", "alpha still serves");
  // A change of the file is seen without a signal.
  rig.write([ALPHA, BETA]);
  await rig.waitForLine(/repos\.json changed: REPOS_CONFIG_FILE re-read: 2 entries serving; 1 added \(beta\)/);
  t.match(await health(rig), { status: "ok", last_reload_error: null });
});

t.test("reload: a new cap changes the entry in place; a new github_url drains it, then starts it anew", async (t) => {
  const rig = await startMultiRig(t, [ALPHA]);
  rig.write([{ ...ALPHA, max: 2 }]);
  await rig.reload();
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 1 entries serving; 0 added, 0 removed, 1 changed \(alpha\)/);
  t.match(await health(rig), { entries: { alpha: { max_runners: 2, scope: "repository octo/alpha" } } });
  const moved: RigEntry = { ...ALPHA, repo: "octo/gamma" };
  rig.write([moved]);
  await rig.reload();
  await rig.waitForLine(/1 removed \(alpha: draining\), 0 changed, alpha start\(s\) once its former runners are gone/);
  await rig.waitForLine(/entry alpha drained: 1 entries serving; 1 added \(alpha\)/);
  t.match(await health(rig), { entries: { alpha: { status: "ok", scope: "repository octo/gamma" } } });
  await rig.addHook(moved);
  const [job] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/gamma" })]);
  t.equal(rig.entryOfRunner(job?.runnerName), "alpha", "the entry serves its new repository");
});

t.test("a restart puts each running container back into its entry", async (t) => {
  const rig = await startMultiRig(t, [ALPHA, BETA]);
  await rig.addHook(ALPHA);
  await rig.addHook(BETA);
  const a = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha", hold: true });
  const b = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta", hold: true });
  await rig.gh.waitFor(() => rig.gh.job(a)?.status === "in_progress" && rig.gh.job(b)?.status === "in_progress");
  await rig.crashAndRestart();
  const runnerA = rig.gh.job(a)?.runnerName as string;
  const runnerB = rig.gh.job(b)?.runnerName as string;
  await rig.waitForLine(new RegExp(`controller/alpha: adopted runner ${runnerA} `));
  await rig.waitForLine(new RegExp(`controller/beta: adopted runner ${runnerB} `));
  t.match(await health(rig), { entries: { alpha: { runners: { busy: 1 } }, beta: { runners: { busy: 1 } } } });
  rig.gh.releaseJob(a);
  rig.gh.releaseJob(b);
  const jobs = await served(rig, [a, b]);
  t.ok(jobs.every((j) => j.conclusion === "Succeeded"));
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  t.pass("nothing left");
});

t.test("a restart without an entry: its busy runner gets SIGTERM and finishes its job; the other entry goes on", async (t) => {
  const rig = await startMultiRig(t, [ALPHA, BETA]);
  await rig.addHook(ALPHA);
  const a = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha", hold: true });
  await rig.gh.waitFor(() => rig.gh.job(a)?.status === "in_progress");
  rig.write([BETA]);
  await rig.crashAndRestart();
  await rig.waitForLine(/warning: container \w+ \(runner \S+\) is of entry alpha, which REPOS_CONFIG_FILE no longer has: stopped \(a busy runner finishes its job first\)/);
  t.equal(rig.gh.job(a)?.status, "in_progress", "its job still runs");
  rig.gh.releaseJob(a);
  const [done] = await served(rig, [a]);
  t.equal(done?.conclusion, "Succeeded", "and finishes");
  await rig.gh.waitFor(() => rig.engine.alive().length === 0);
  t.match(await health(rig), { status: "ok", entries: { beta: { status: "ok" } } });
});

t.test("WEBHOOK_HOST: each entry's hook made at WEBHOOK_HOST/webhook/{id} with a secret generated for it; a job through each", async (t) => {
  const port = String(await freePort());
  const entries = [ALPHA, BETA].map((e) => ({ ...e, noSecretFile: true }));
  const rig = await startMultiRig(t, entries, { WEBHOOK_PORT: port, WEBHOOK_HOST: `http://127.0.0.1:${port}` });
  for (const e of entries) {
    await rig.waitForLine(new RegExp(`controller/${e.id}: webhook \\d+ of repository ${e.repo} created: workflow_job to http://127\\.0\\.0\\.1:${port}/webhook/${e.id}$`));
    const file = join(rig.dataDir, "secrets", e.id);
    t.equal(statSync(file).mode & 0o777, 0o600, `${e.id}: its secret kept in DATA_DIR/secrets/${e.id}, mode 0600`);
    const [hook] = rig.gh.restHooks(`repos/${e.repo}`);
    t.equal(hook?.spec.secret, readFileSync(file, "utf8").trim(), `${e.id}: its hook signs with it`);
  }
  t.not(readFileSync(join(rig.dataDir, "secrets", "alpha"), "utf8"), readFileSync(join(rig.dataDir, "secrets", "beta"), "utf8"), "each entry its own secret");
  const jobs = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha" }), rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta" })]);
  t.same(jobs.map((j) => rig.entryOfRunner(j.runnerName)), ["alpha", "beta"], "each job came through its entry's own hook and ran on its runner");
  t.notMatch(rig.lines.join("\n"), new RegExp(readFileSync(join(rig.dataDir, "secrets", "alpha"), "utf8").trim()), "no secret in the log");
});

t.test("WEBHOOK_HOST, reload: a removed entry's hook and generated secret go once it has drained; the other entry's stay", async (t) => {
  const port = String(await freePort());
  const [alpha, beta] = [ALPHA, BETA].map((e) => ({ ...e, noSecretFile: true })) as [RigEntry, RigEntry];
  const rig = await startMultiRig(t, [alpha, beta], { WEBHOOK_PORT: port, WEBHOOK_HOST: `http://127.0.0.1:${port}` });
  for (const e of [alpha, beta]) await rig.waitForLine(new RegExp(`controller/${e.id}: webhook \\d+ of repository ${e.repo} created`));
  const [alphaHook] = rig.gh.restHooks("repos/octo/alpha");
  const betaHooks = rig.gh.restHooks("repos/octo/beta").map((h) => h.id);
  rig.write([beta]);
  await rig.reload();
  await rig.waitForLine(new RegExp(`controller/alpha: webhook ${alphaHook?.id} of repository octo/alpha deleted: its entry left REPOS_CONFIG_FILE$`));
  t.same(rig.gh.restHooks("repos/octo/alpha"), [], "alpha's hook is gone from GitHub");
  t.notOk(existsSync(join(rig.dataDir, "secrets", "alpha")), "alpha's generated secret is gone");
  t.same(rig.gh.restHooks("repos/octo/beta").map((h) => h.id), betaHooks, "beta's hook stays");
  t.ok(existsSync(join(rig.dataDir, "secrets", "beta")), "beta's secret stays");
  const [job] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta" })]);
  t.equal(rig.entryOfRunner(job?.runnerName), "beta", "beta serves on through its hook");
});

t.test("WEBHOOK_HOST, reload: a removed entry's hook GitHub refuses to delete is left, one line naming the scope and the URL", async (t) => {
  const port = String(await freePort());
  const [alpha, beta] = [ALPHA, BETA].map((e) => ({ ...e, noSecretFile: true })) as [RigEntry, RigEntry];
  const rig = await startMultiRig(t, [alpha, beta], { WEBHOOK_PORT: port, WEBHOOK_HOST: `http://127.0.0.1:${port}` });
  await rig.waitForLine(/controller\/alpha: webhook \d+ of repository octo\/alpha created/);
  rig.gh.fault({ method: "DELETE", path: /^\/repos\/octo\/alpha\/hooks\/\d+$/, status: 403 });
  rig.write([beta]);
  await rig.reload();
  const line = await rig.waitForLine(/controller\/alpha: warning: deleting the webhook of repository octo\/alpha to \S+ failed/);
  t.match(line, new RegExp(`to http://127\\.0\\.0\\.1:${port}/webhook/alpha failed \\(delete it on GitHub, if there is one\\): .*403`));
  t.equal(rig.gh.restHooks("repos/octo/alpha").length, 1, "the hook is still there");
});

t.test("reload: an entry whose GitHub host cannot be reached is not started, one line naming it and the host; later reloads still run", async (t) => {
  const rig = await startMultiRig(t, [ALPHA], { GITHUB_CONNECT_TIMEOUT_SEC: "2" });
  const closed = await freePort();
  const ghost: RigEntry = { id: "ghost", repo: "octo/ghost", extra: { github_url: `http://127.0.0.1:${closed}/octo/ghost` } };
  rig.write([ALPHA, ghost]);
  await rig.reload();
  const line = await rig.waitForLine(/controller\/ghost: error: not started: /);
  t.match(line, `entry ghost: GitHub at 127.0.0.1:${closed} not reached within GITHUB_CONNECT_TIMEOUT_SEC=2`);
  t.match(line, /\(tried again at the next reload\)$/);
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 1 entries serving; 0 added, 0 removed, 0 changed/);
  t.match(await health(rig), { entries: { alpha: { status: "ok" } } });

  rig.write([ALPHA, BETA, ghost]);
  await rig.reload();
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 2 entries serving; 1 added \(beta\), 0 removed, 0 changed/);
  await rig.addHook(BETA);
  const [job] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/beta" })]);
  t.equal(rig.entryOfRunner(job?.runnerName), "beta", "the entry added behind it serves");
});

t.test("an entry drained for a new github_url whose start then fails unexpectedly: one line, and the next reload runs", async (t) => {
  const rig = await startMultiRig(t, [ALPHA]);
  const moved: RigEntry = { ...ALPHA, repo: "octo/gamma" };
  const clear = rig.gh.fault({ method: "GET", path: "/repos/octo/gamma/actions/runners", status: 422, body: { message: "Unprocessable" } });
  rig.write([moved]);
  await rig.reload();
  await rig.waitForLine(/1 removed \(alpha: draining\), 0 changed, alpha start\(s\) once its former runners are gone/);
  const line = await rig.waitForLine(/ error: entry alpha drained: REPOS_CONFIG_FILE not applied: /);
  t.match(line, /Unprocessable/);
  clear();
  await rig.reload();
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 1 entries serving; 1 added \(alpha\)/);
  t.match(await health(rig), { entries: { alpha: { status: "ok", scope: "repository octo/gamma" } } });
});

t.test("start: an entry GitHub refuses and one it cannot reach are skipped, one line each; the others serve; a reload starts them once fixed", async (t) => {
  const closed = await freePort();
  const refused: RigEntry = { id: "expired", repo: "octo/expired", extra: { github_token_file: undefined, github_token: "ghp_expiredexpiredexpired" } };
  const ghost: RigEntry = { id: "ghost", repo: "octo/ghost", extra: { github_url: `http://127.0.0.1:${closed}/octo/ghost` } };
  const rig = await startMultiRig(t, [ALPHA, refused, ghost], { GITHUB_CONNECT_TIMEOUT_SEC: "2" });
  t.match(await rig.waitForLine(/controller\/expired: error: not started: /), /entry "expired": github_token: GitHub answered 401 .*\(tried again at the next reload\)$/);
  t.match(await rig.waitForLine(/controller\/ghost: error: not started: /), `entry ghost: GitHub at 127.0.0.1:${closed} not reached within GITHUB_CONNECT_TIMEOUT_SEC=2`);
  await rig.addHook(ALPHA);
  const [job] = await served(rig, [rig.gh.queueJob({ labels: ["ctl"], repository: "octo/alpha" })]);
  t.equal(rig.entryOfRunner(job?.runnerName), "alpha", "the entry GitHub accepts serves");
  t.equal((await post(rig, "/webhook/expired", "{}", { "x-github-event": "ping" })).status, 404, "the refused entry has no path");
  t.match(rig.lines.join("\n"), /entry alpha: repository octo\/alpha: webhook on :\d+\/webhook\/alpha/, "the start line of the entry that serves");
  t.notMatch(rig.lines.join("\n"), /entry (expired|ghost): .*webhook on/, "no start line for the entries left out");

  rig.write([ALPHA, { ...refused, extra: {} }]);
  await rig.reload();
  await rig.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 2 entries serving; 1 added \(expired\)/);
});
