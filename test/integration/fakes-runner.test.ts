// The fake runner driven directly against the fake GitHub: what config.sh
// and run.sh print, exit with and leave on disk (docs/runner-contract.md).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import t from "tap";
import { FAKE_PAT, startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { installFakeRunner } from "../fakes/runner/install-fake-runner.ts";
import { runScript, startScript, type ScriptResult } from "../fakes/runner/script-process.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";

const isRoot = process.getuid?.() === 0;
// Sessions of dead listeners are expired by the tests (expireIdleSessions), never by a race with a clock.
const gh: FakeGitHub = await startFakeGitHub();
const roots: string[] = [];
t.teardown(async () => {
  await gh.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
t.jobs = 4;

const baseEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  RUNNER_ALLOW_RUNASROOT: "1",
  FAKE_RUNNER_RETRY_MS: "200",
  FAKE_RUNNER_POLL_MS: "2000",
});

let repoSeq = 0;
/** A fresh runner directory and repository for one test. */
async function fresh(): Promise<{ dir: string; repo: string; url: string; script: (name: string) => string }> {
  const dir = mkdtempSync(join(tmpdir(), "fake-runner-"));
  roots.push(dir);
  await installFakeRunner(dir);
  const repo = `repos/acme/app${++repoSeq}`;
  return { dir, repo, url: `${gh.url}/acme/app${repoSeq}`, script: (name) => join(dir, name) };
}

async function configure(r: Awaited<ReturnType<typeof fresh>>, extra: string[] = [], env: NodeJS.ProcessEnv = baseEnv()): Promise<ScriptResult> {
  const { token } = gh.registrationToken(r.repo);
  return runScript(r.script("config.sh"), ["--url", r.url, "--token", token, "--unattended", ...extra], env);
}

const api = (path: string, method = "GET"): Promise<Response> =>
  fetch(`${gh.apiUrl}/${path}`, { method, headers: { authorization: `Bearer ${FAKE_PAT}` } });

t.test("configure, run, take a job, refuse a busy removal, remove", async (t) => {
  const r = await fresh();
  const env = { ...baseEnv(), ACTIONS_RUNNER_INPUT_NAME: "from-env", SECRET_OF_SUPERVISOR: "s3cr3t-value" };
  const { token } = gh.registrationToken(r.repo);
  const conf = await runScript(r.script("config.sh"), ["--url", r.url, "--token", token, "--unattended", "--labels", "gpu,big"], env);
  t.equal(conf.code, 0, conf.stderr);
  t.same(
    gh.requestsContaining(token).map((q) => `${q.method} ${q.path}`),
    ["POST /api/v3/actions/runner-registration"],
    "the registration token travels only to runner-registration",
  );
  for (const l of ["Self-hosted runner registration", "# Authentication", "√ Connected to GitHub", "# Runner Registration", "√ Runner successfully added", "# Runner settings", "√ Settings Saved."]) {
    t.match(conf.stdout, l);
  }
  const raw = readFileSync(join(r.dir, ".runner"), "utf8");
  t.ok(raw.startsWith("\uFEFF"), ".runner has a UTF-8 BOM");
  const settings = JSON.parse(raw.slice(1)) as Record<string, unknown>;
  t.match(settings, { agentName: "from-env", poolName: "Default", workFolder: "_work", gitHubUrl: r.url });
  t.equal(statSync(join(r.dir, ".credentials_rsaparams")).mode & 0o777, 0o600);
  t.ok(existsSync(join(r.dir, ".credentials")));
  t.match(gh.runner("from-env", r.repo)?.labels.map((l) => l.name), ["self-hosted", "Linux", "X64", "gpu", "big"]);

  const run = startScript(r.script("run.sh"), [], env);
  await run.waitForOutput(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: Listening for Jobs/);
  t.match(run.stdout(), "Current runner version: '2.336.0'");
  t.equal(gh.runner("from-env", r.repo)?.status, "online");

  // The job holds until the test releases it, so the busy-removal checks cannot race its end.
  const jobId = gh.queueJob({ labels: ["gpu"], name: "build", run: `echo "name=$RUNNER_NAME"; env; echo done`, hold: true });
  await gh.waitFor(() => gh.runner("from-env", r.repo)?.busy);
  const busyDelete = await api(`${r.repo}/actions/runners/${gh.runner("from-env", r.repo)!.id}`, "DELETE");
  t.equal(busyDelete.status, 422);
  t.match(await busyDelete.json(), { message: 'Bad request - Runner "from-env" is still running a job' });
  const { token: removeToken } = gh.registrationToken(r.repo, "remove");
  const busyRemove = await runScript(r.script("config.sh"), ["remove", "--token", removeToken], env);
  t.equal(busyRemove.code, 1);
  t.match(busyRemove.stderr, "Failed: Removing runner from the server");
  t.match(busyRemove.stderr, 'Runner "from-env" is still running a job');

  t.ok(gh.releaseJob(jobId));
  const job = await gh.waitFor(() => (gh.job(jobId)?.status === "completed" ? gh.job(jobId) : undefined));
  t.equal(job.conclusion, "Succeeded");
  t.equal(job.runnerName, "from-env");
  t.match(job.log, "name=from-env");
  t.match(job.log, /^RUNNER_TRACKING_ID=github_[0-9a-f-]{36}$/m);
  t.match(job.log, `GITHUB_REPOSITORY=acme/app`);
  t.match(job.log, `GITHUB_WORKSPACE=${r.dir}/_work/`);
  t.match(job.log, "SECRET_OF_SUPERVISOR=s3cr3t-value", "jobs inherit the runner's environment");
  t.notMatch(job.log, "ACTIONS_RUNNER_INPUT_", "ACTIONS_RUNNER_INPUT_* never reach a job");
  await run.waitForOutput(/Job build completed with result: Succeeded/);
  t.match(run.stdout(), /\d\dZ: Running job: build/);

  run.kill("SIGINT", { group: true });
  const end = await run.exited;
  t.equal(end.code, 0);
  t.match(end.stdout, "Exiting...");
  await gh.waitFor(() => gh.runner("from-env", r.repo)?.status === "offline");

  const removed = await runScript(r.script("config.sh"), ["remove", "--token", removeToken], env);
  t.equal(removed.code, 0, removed.stderr);
  for (const l of ["# Runner removal", "√ Runner removed successfully", "√ Removed .credentials", "√ Removed .runner"]) t.match(removed.stdout, l);
  t.equal(gh.runner("from-env", r.repo), undefined);
  t.notOk(existsSync(join(r.dir, ".runner")));
  const diagFiles = readdirSync(join(r.dir, "_diag"));
  t.ok(diagFiles.some((f) => /^Runner_\d{8}-\d{6}-utc\.log$/.test(f)), "Runner_ diag log");
  t.ok(diagFiles.some((f) => /^Worker_\d{8}-\d{6}-utc\.log$/.test(f)), "Worker_ diag log");
  const diagText = readFileSync(join(r.dir, "_diag", diagFiles.find((f) => f.startsWith("Runner_"))!), "utf8");
  t.match(diagText, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ (INFO|ERR |WARN) \w+\] /m);
});

t.test("configure refusals: already configured, name taken, unknown group, expired token, root", async (t) => {
  const r = await fresh();
  t.equal((await configure(r, ["--name", "dup"])).code, 0);
  const again = await configure(r, ["--name", "dup"]);
  t.equal(again.code, 1);
  t.match(again.stderr, "Cannot configure the runner because it is already configured. To reconfigure the runner, run 'config.cmd remove' or './config.sh remove' first.");

  const other = await fresh();
  const taken = await runScript(other.script("config.sh"), ["--url", r.url, "--token", gh.registrationToken(r.repo).token, "--name", "dup", "--unattended"], baseEnv());
  t.equal(taken.code, 1);
  t.match(taken.stdout, "A runner exists with the same name");
  t.match(taken.stderr, "A runner exists with the same name dup.");
  const replaced = await runScript(other.script("config.sh"), ["--url", r.url, "--token", gh.registrationToken(r.repo).token, "--name", "dup", "--unattended", "--replace"], baseEnv());
  t.equal(replaced.code, 0, replaced.stderr);
  t.match(replaced.stdout, "√ Successfully replaced the runner");
  t.equal(gh.runners(r.repo).length, 1);

  const g = await fresh();
  const group = await configure(g, ["--runnergroup", "gpus"]);
  t.equal(group.code, 1);
  t.match(group.stderr, 'Could not find any self-hosted runner group named "gpus".');

  const e = await fresh();
  const expired = await runScript(e.script("config.sh"), ["--url", e.url, "--token", "AEXPIREDORUNKNOWN", "--unattended"], baseEnv());
  t.equal(expired.code, 1);
  t.match(expired.stderr, `Http response code: NotFound from 'POST ${gh.url}/api/v3/actions/runner-registration'`);

  if (isRoot) {
    const { RUNNER_ALLOW_RUNASROOT: _drop, ...asRoot } = baseEnv();
    const refused = await runScript(e.script("config.sh"), ["--url", e.url, "--token", "x"], asRoot);
    t.equal(refused.code, 1);
    t.match(refused.stdout, "Must not run with sudo");
  }
});

t.test("ephemeral: one job, then exit 0 with registration and local config gone", async (t) => {
  const r = await fresh();
  // A label of its own: the file's tests run at once against one fake GitHub, and a job any runner matches may go to another test's.
  t.equal((await configure(r, ["--name", "eph", "--ephemeral", "--labels", "eph"])).code, 0);
  t.equal(gh.runner("eph", r.repo)?.ephemeral, true);
  const run = startScript(r.script("run.sh"), [], baseEnv());
  await run.waitForOutput(/Listening for Jobs/);
  const jobId = gh.queueJob({ labels: ["self-hosted", "linux", "eph"], durationMs: 100 });
  const end = await run.exited;
  t.equal(end.code, 0);
  t.match(end.stdout, "completed with result: Succeeded");
  t.match(end.stdout, "Exiting runner...");
  t.equal(gh.job(jobId)?.conclusion, "Succeeded");
  t.equal(gh.runner("eph", r.repo), undefined);
  t.notOk(existsSync(join(r.dir, ".runner")));
  t.notOk(existsSync(join(r.dir, ".credentials")));
});

t.test("jitconfig, from the flag and from ACTIONS_RUNNER_INPUT_JITCONFIG", async (t) => {
  for (const viaEnv of [false, true]) {
    const r = await fresh();
    const res = await fetch(`${gh.apiUrl}/${r.repo}/actions/runners/generate-jitconfig`, {
      method: "POST",
      headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `jit-${viaEnv}`, runner_group_id: 1, labels: ["self-hosted", "jit"] }),
    });
    t.equal(res.status, 201);
    const { encoded_jit_config: jit } = (await res.json()) as { encoded_jit_config: string };
    const env = viaEnv ? { ...baseEnv(), ACTIONS_RUNNER_INPUT_JITCONFIG: jit } : baseEnv();
    const run = startScript(r.script("run.sh"), viaEnv ? [] : ["--jitconfig", jit], env);
    await run.waitForOutput(/Listening for Jobs/);
    const jobId = gh.queueJob({ labels: ["jit"], run: "true" });
    const end = await run.exited;
    t.equal(end.code, 0, end.stderr);
    t.equal(gh.job(jobId)?.runnerName, `jit-${viaEnv}`);
    t.equal(gh.runner(`jit-${viaEnv}`, r.repo), undefined, "a JIT runner is ephemeral");
  }
});

t.test("work folder: the JIT config's, against the runner's physical root; container hooks checked as the real runner does", async (t) => {
  const jitFor = async (r: Awaited<ReturnType<typeof fresh>>, name: string, workFolder?: string): Promise<string> => {
    const res = await fetch(`${gh.apiUrl}/${r.repo}/actions/runners/generate-jitconfig`, {
      method: "POST",
      headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
      body: JSON.stringify({ name, runner_group_id: 1, labels: [name], ...(workFolder === undefined ? {} : { work_folder: workFolder }) }),
    });
    return ((await res.json()) as { encoded_jit_config: string }).encoded_jit_config;
  };
  const runOne = async (script: string, jit: string, label: string, env: NodeJS.ProcessEnv = baseEnv()) => {
    const run = startScript(script, [], { ...env, ACTIONS_RUNNER_INPUT_JITCONFIG: jit });
    await run.waitForOutput(/Listening for Jobs/);
    const jobId = gh.queueJob({ labels: [label], run: "pwd; echo here > file" });
    const end = await run.exited;
    t.equal(end.code, 0, end.stderr);
    return gh.job(jobId)!;
  };

  // Reached through a symlink (as ~guest/actions-runner -> /home/runner), the runner works under the target.
  const r = await fresh();
  const link = `${r.dir}-link`;
  roots.push(link);
  symlinkSync(r.dir, link);
  const rel = await runOne(join(link, "run.sh"), await jitFor(r, "wf-default"), "wf-default");
  t.equal(rel.conclusion, "Succeeded");
  const app = basename(r.repo);
  t.match(rel.log, `${r.dir}/_work/${app}/${app}\n`, "the default _work, under the physical root");
  t.ok(existsSync(join(r.dir, "_work", app, app, "file")), "the job's files are there");

  const abs = mkdtempSync(join(tmpdir(), "fake-runner-work-"));
  roots.push(abs);
  const r2 = await fresh();
  const absJob = await runOne(r2.script("run.sh"), await jitFor(r2, "wf-abs", abs), "wf-abs");
  const app2 = basename(r2.repo);
  t.match(absJob.log, `${abs}/${app2}/${app2}\n`, "an absolute work folder is used as is");
  t.notOk(existsSync(join(r2.dir, "_work", app2)), "nothing under the runner's own _work");

  const r3 = await fresh();
  const hookless = await runOne(r3.script("run.sh"), await jitFor(r3, "wf-hooks"), "wf-hooks", { ...baseEnv(), ACTIONS_RUNNER_CONTAINER_HOOKS: join(r3.dir, "k8s", "index.js") });
  t.equal(hookless.conclusion, "Failed", "a missing hook script fails the job");
  t.match(hookless.log, `File not found at '${join(r3.dir, "k8s", "index.js")}'. Set ACTIONS_RUNNER_CONTAINER_HOOKS to the path of an existing file.`);
});

t.test("run.sh without configuration; remove without a token", async (t) => {
  const r = await fresh();
  const run = await runScript(r.script("run.sh"), [], baseEnv());
  t.match(run.stderr, "An error occurred: Not configured. Run config.(sh/cmd) to configure the runner.");
  t.match(run.stdout, "Runner listener exit with terminated error, stop the service, no retry needed.");
  t.equal(run.code, 0, "run-helper maps the listener's 1 to 0");
  t.equal((await configure(r)).code, 0);
  const noToken = await runScript(r.script("config.sh"), ["remove"], baseEnv());
  t.equal(noToken.code, 1);
  t.match(noToken.stderr, "Cannot read keys when either application does not have a console or when console input has been redirected.");
});

t.test("signals: RUNNER_MANUALLY_TRAP_SIG turns SIGTERM into SIGINT, the job is Canceled", async (t) => {
  const r = await fresh();
  t.equal((await configure(r, ["--name", "sig", "--labels", "sig"])).code, 0);
  const run = startScript(r.script("run.sh"), [], { ...baseEnv(), RUNNER_MANUALLY_TRAP_SIG: "1" });
  await run.waitForOutput(/Listening for Jobs/);
  // Held: it is still running when the signal comes, however long the boot took.
  const jobId = gh.queueJob({ labels: ["sig"], hold: true });
  await run.waitForOutput(/Running job/);
  run.kill("SIGTERM");
  const end = await run.exited;
  t.match(end.stdout, "Exiting...");
  t.match(end.stdout, /Job job-\d+ completed with result: Canceled/);
  // bash's `wait` returns 128+15 when the trapped SIGTERM arrives, and the real run.sh exits with that.
  t.equal(end.code, 143);
  t.equal(gh.job(jobId)?.conclusion, "Canceled");
  t.match(gh.job(jobId)?.log, "The runner has received a shutdown signal.");
  await gh.waitFor(() => gh.runner("sig", r.repo)?.status === "offline");
});

t.test("listener exit codes through run-helper.sh and run.sh", async (t) => {
  const r = await fresh();
  t.equal((await configure(r)).code, 0);
  const codes = async (list: string, extra: NodeJS.ProcessEnv = {}): Promise<ScriptResult> => {
    rmSync(join(r.dir, "_diag", ".fake-run-count"), { force: true });
    // In the runner directory, as a service runs it: the self-update flag file is relative to the working directory.
    return runScript(r.script("run.sh"), [], { ...baseEnv(), FAKE_RUNNER_EXIT_CODES: list, ...extra }, HANG_GUARD_MS, r.dir);
  };
  const update = await codes("3,1");
  t.match(update.stdout, "Runner listener exit because of updating, re-launch runner after successful update");
  t.match(update.stdout, "Update finished successfully.");
  t.match(update.stdout, "Restarting runner...");
  t.match(update.stdout, "Runner listener exit with terminated error");
  t.equal(update.code, 0);
  const conflict = await codes("5");
  t.match(conflict.stdout, "Runner listener exit with Session Conflict error, stop the service, no retry needed.");
  t.equal(conflict.code, 0);
  const deprecated = await codes("7", { ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE: "1" });
  t.match(deprecated.stdout, "Runner listener exit with deprecated version exit code: 7.");
  t.equal(deprecated.code, 7);
  const unknown = await codes("42");
  t.match(unknown.stdout, "Exiting with unknown error code: 42");
  t.equal(unknown.code, 0);
});

t.test("session conflict, connect errors, deleted registration", async (t) => {
  // Its own fake GitHub: the faults below must not hit the other tests' runners.
  const own = await startFakeGitHub();
  t.teardown(() => own.close());
  const r = await fresh();
  r.url = `${own.url}/acme/solo`;
  r.repo = "repos/acme/solo";
  const gh = own;
  t.equal((await runScript(r.script("config.sh"), ["--url", r.url, "--token", gh.registrationToken(r.repo).token, "--unattended", "--name", "conf"], baseEnv())).code, 0);
  const first = startScript(r.script("run.sh"), [], baseEnv());
  await first.waitForOutput(/Listening for Jobs/);
  const second = await runScript(join(r.dir, "bin", "Runner.Listener"), ["run"], { ...baseEnv(), FAKE_RUNNER_SESSION_CONFLICT_LIMIT_MS: "600" });
  t.match(second.stderr, "A session for this runner already exists.");
  t.equal(second.code, 5);

  first.kill("SIGINT", { group: true });
  await first.exited;
  const removeFault = gh.fault({ path: "/_fake/runner/sessions", method: "POST", status: 500, times: 2 });
  const retried = startScript(r.script("run.sh"), [], baseEnv());
  await retried.waitForOutput(/Listening for Jobs/);
  removeFault();
  t.match(retried.stderr(), /\d\dZ: Runner connect error: Response status code does not indicate success: 500 \(Internal Server Error\)\.\. Retrying until reconnected\./);
  t.match(retried.stdout(), /\d\dZ: Runner reconnected\./);
  retried.kill("SIGINT", { group: true });
  await retried.exited;

  // Deleted while listening: the next poll fails, the listener cleans up and stops.
  const listening = startScript(r.script("run.sh"), [], baseEnv());
  await listening.waitForOutput(/Listening for Jobs/);
  const del = await fetch(`${own.apiUrl}/${r.repo}/actions/runners/${gh.runner("conf", r.repo)!.id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${FAKE_PAT}` },
  });
  t.equal(del.status, 204);
  const cleaned = await listening.exited;
  t.equal(cleaned.code, 0);
  t.match(cleaned.stderr, "The runner no longer exists on the server. Cleaning up local configuration.");
  t.match(cleaned.stdout, "√ Removed .runner");
  t.notOk(existsSync(join(r.dir, ".runner")));

  // Deleted before the listener starts: the OAuth exchange says invalid_client.
  t.equal((await runScript(r.script("config.sh"), ["--url", r.url, "--token", gh.registrationToken(r.repo).token, "--unattended", "--name", "conf"], baseEnv())).code, 0);
  t.equal(gh.removeRunner(gh.runner("conf", r.repo)!.id), "removed");
  const deleted = await runScript(join(r.dir, "bin", "Runner.Listener"), ["run"], baseEnv());
  t.equal(deleted.code, 1);
  t.match(deleted.stderr, "Failed to create a session. The runner registration has been deleted from the server, please re-configure.");
});

t.test("--once on a non-ephemeral runner; waiting for docker", async (t) => {
  const r = await fresh();
  const work = mkdtempSync(join(tmpdir(), "fake-work-"));
  roots.push(work);
  t.equal((await configure(r, ["--name", "once", "--labels", "once", "--work", work])).code, 0);
  const bin = mkdtempSync(join(tmpdir(), "fake-docker-"));
  roots.push(bin);
  writeFileSync(join(bin, "docker"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const env = { ...baseEnv(), PATH: `${bin}:${process.env.PATH}`, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "5" };
  const run = startScript(r.script("run.sh"), ["--once"], env);
  await run.waitForOutput(/Listening for Jobs/);
  t.match(run.stdout(), "Waiting for docker to be ready.\nDocker is ready.");
  t.match(run.stdout(), "Warning: '--once' is going to be deprecated in the future");
  const jobId = gh.queueJob({ labels: ["once"], run: "pwd" });
  const end = await run.exited;
  t.equal(end.code, 0);
  t.equal(gh.job(jobId)?.conclusion, "Succeeded");
  t.equal(gh.job(jobId)?.log, `${work}/${r.url.split("/").pop()}/${r.url.split("/").pop()}\n`, "an absolute --work is used as is");
  t.equal(gh.runner("once", r.repo), undefined, "registration removed");
  t.notOk(existsSync(join(r.dir, ".runner")), "local config removed");
});

t.test("knobs: crash, diag error, stuck after deletion", async (t) => {
  const r = await fresh();
  t.equal((await configure(r, ["--name", "knobs"])).code, 0);
  const crashed = await runScript(r.script("run.sh"), [], { ...baseEnv(), FAKE_RUNNER_CRASH_AFTER_MS: "300" });
  t.match(crashed.stderr, "Unhandled exception.");
  t.match(crashed.stdout, "Exiting with unknown error code: 137", "a SIGKILLed listener is an unknown code to run-helper");
  t.equal(crashed.code, 0, "and run.sh still exits 0");

  // The crashed listener's session goes once the fake has seen its poll connection close.
  // Its session only: the file's other tests share this fake, and one of theirs may be between two polls.
  const knobs = gh.runner("knobs", r.repo)!.id;
  await gh.waitFor(() => {
    gh.expireIdleSessions(knobs);
    return gh.runner("knobs", r.repo)?.status === "offline";
  });
  const stuck = startScript(r.script("run.sh"), [], { ...baseEnv(), FAKE_RUNNER_STUCK_WHEN_DELETED: "1", FAKE_RUNNER_DIAG_ERROR: "custom fatal line" });
  await stuck.waitForOutput(/Listening for Jobs/);
  t.equal(gh.removeRunner(gh.runner("knobs", r.repo)!.id), "removed");
  await stuck.waitForOutput(/Registration was not found or is not medium trust/);
  const diagDir = join(r.dir, "_diag");
  const logs = readdirSync(diagDir).filter((f) => f.startsWith("Runner_"));
  await gh.waitFor(() => logs.some((f) => readFileSync(join(diagDir, f), "utf8").includes("Registration was not found or is not medium trust")));
  t.ok(logs.some((f) => /\[[\d-]+ [\d:]+Z ERR  Runner\] custom fatal line/.test(readFileSync(join(diagDir, f), "utf8"))));
  t.ok(existsSync(join(r.dir, ".runner")), "it does not clean up: it hangs");
  stuck.kill("SIGINT", { group: true });
  t.equal((await stuck.exited).code, 0);
});

t.test("--pat instead of tokens; github.com is never contacted; installFakeRunner layout and owner", async (t) => {
  const r = await fresh();
  const conf = await runScript(r.script("config.sh"), ["--url", r.url, "--pat", FAKE_PAT, "--unattended", "--name", "pat"], baseEnv());
  t.equal(conf.code, 0, conf.stderr);
  t.ok(gh.runner("pat", r.repo));
  const removed = await runScript(r.script("config.sh"), ["remove", "--pat", FAKE_PAT], baseEnv());
  t.equal(removed.code, 0, removed.stderr);
  t.equal(gh.runner("pat", r.repo), undefined);
  t.ok(gh.requestsContaining(Buffer.from(`github:${FAKE_PAT}`).toString("base64")).every((q) => /\/actions\/runners\/(registration|remove)-token$/.test(q.path)));

  const real = await runScript(r.script("config.sh"), ["--url", "https://github.com/acme/app", "--token", "x", "--unattended"], baseEnv());
  t.equal(real.code, 1);
  t.match(real.stderr, "The fake runner does not contact api.github.com");

  const dir = mkdtempSync(join(tmpdir(), "fake-runner-own-"));
  roots.push(dir);
  await installFakeRunner(dir, isRoot ? { uid: 4321, gid: 4322 } : undefined);
  for (const f of ["config.sh", "run.sh", "run-helper.sh.template", "env.sh", "safe_sleep.sh", "bin/Runner.Listener", "externals"]) t.ok(existsSync(join(dir, f)), f);
  for (const f of ["README.md", "make-tarball.sh", "install-fake-runner.ts"]) t.notOk(existsSync(join(dir, f)), `${f} is not part of the layout`);
  t.ok(statSync(join(dir, "run.sh")).mode & 0o100, "scripts stay executable");
  if (isRoot) t.match(statSync(join(dir, "bin", "Runner.Listener")), { uid: 4321, gid: 4322 });
});
