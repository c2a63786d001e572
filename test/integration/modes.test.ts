import t from "tap";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { setupRig, LABELS, REPO } from "../helpers/rig.ts";

const labels = LABELS.split(",");

t.test("ephemeral: one job, then exit 0 and no registration left", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_EPHEMERAL: "1", RUNNER_NAME: "" });
  await sup.waitForLine(/Listening for Jobs/);
  const name = rig.fake.runners()[0]?.name ?? "";
  t.match(name, /^ci-runner-.+-[0-9a-f]{8}$/, "generated name with a random suffix");
  t.equal(rig.fake.runners()[0]?.ephemeral, true);
  const job = rig.fake.queueJob({ labels, name: "once", durationMs: 200 });
  t.equal((await sup.exited).code, 0);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners().length, 0);
});

t.test("ephemeral: stop while busy lets the job finish, no registration left", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_EPHEMERAL: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  // Held until the drain has found it running: a job that ended first would make this an idle stop (exit 0).
  const job = rig.fake.queueJob({ labels, name: "busy", hold: true });
  await sup.waitForLine(/Running job: busy/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/waiting for it to finish/);
  rig.fake.releaseJob(job);
  const { code } = await sup.exited;
  t.equal(code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners().length, 0);
});

t.test("JIT: generate-jitconfig, no config.sh registration, one job, exit 0", async (t) => {
  const rig = await setupRig(t);
  // The first name is taken: 409, then a new name.
  rig.fake.fault({ method: "POST", path: /generate-jitconfig$/, status: 409, times: 1, body: { message: "Already exists", documentation_url: "https://docs.github.com/rest" } });
  const sup = rig.start({ RUNNER_JIT: "1", RUNNER_NAME: "" });
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /is taken \(409\); trying/);
  t.equal(rig.fake.requests().filter((r) => /runner-registration$/.test(r.path)).length, 0, "config.sh never registered");
  t.equal(rig.fake.requests().filter((r) => /registration-token$/.test(r.path)).length, 0, "no registration token");
  const job = rig.fake.queueJob({ labels, name: "jit-job", durationMs: 200 });
  t.equal((await sup.exited).code, 0);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners().length, 0);
});

t.test("JIT with RUNNER_NAME started again after a kill: its offline registration is replaced, no 409 loop", async (t) => {
  const rig = await setupRig(t);
  const first = rig.start({ RUNNER_JIT: "1", RUNNER_NAME: "fixed-jit" });
  await first.waitForLine(/Listening for Jobs/);
  const old = rig.fake.runner("fixed-jit")?.id;
  first.signal("SIGKILL");
  await first.exited;
  // The killed runner stops polling: GitHub shows it offline.
  rig.fake.expireIdleSessions();
  const again = rig.start({ RUNNER_JIT: "1", RUNNER_NAME: "fixed-jit" });
  await again.waitForLine(/Listening for Jobs/);
  t.match(again.output(), new RegExp(`runner name fixed-jit is taken \\(409\\) by an offline registration \\(id ${old}\\), left by an earlier start: replacing it`));
  t.equal(rig.fake.runners().length, 1, "one registration");
  t.not(rig.fake.runner("fixed-jit")?.id, old, "a new one");
  again.signal("SIGTERM");
  t.equal((await again.exited).code, 143);
  t.equal(rig.fake.runners().length, 0);
});

t.test("JIT with a RUNNER_NAME another runner online holds: exit 1 naming RUNNER_NAME, the other left alone", async (t) => {
  const rig = await setupRig(t);
  const first = rig.start({ RUNNER_JIT: "1", RUNNER_NAME: "twin" });
  await first.waitForLine(/Listening for Jobs/);
  const id = rig.fake.runner("twin")?.id;
  const second = rig.start({ RUNNER_JIT: "1", RUNNER_NAME: "twin" });
  t.equal((await second.exited).code, 1);
  t.match(second.output(), /generate-jitconfig: the runner name twin is taken \(409\) by a runner online; RUNNER_NAME must be unique/);
  t.equal(rig.fake.runner("twin")?.id, id, "the first one's registration stays");
  first.signal("SIGTERM");
  t.equal((await first.exited).code, 143);
  t.equal(rig.fake.runners().length, 0);
});

t.test("JIT: stop while idle deregisters", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_JIT: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners().length, 0);
});

async function preIssuedJit(rig: Awaited<ReturnType<typeof setupRig>>, name: string): Promise<string> {
  const res = await fetch(`${rig.fake.apiUrl}/repos/${REPO}/actions/runners/generate-jitconfig`, {
    method: "POST",
    headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
    body: JSON.stringify({ name, labels: ["self-hosted", ...labels], runner_group_id: 1 }),
  });
  return ((await res.json()) as { encoded_jit_config: string }).encoded_jit_config;
}

t.test("pre-issued JIT (ARC): no credentials, nothing registered by us, hooks run, exit with the runner's code", async (t) => {
  const rig = await setupRig(t);
  const jit = await preIssuedJit(rig, "arc-runner-1");
  const before = rig.fake.requests().length;
  const env = { ...rig.env, GH_TOKEN: "", GH_REPOSITORY: "", GH_LABELS: "", WORK_DIR: "", ACTIONS_RUNNER_INPUT_JITCONFIG: jit };
  const sup = rig.start(env);
  await sup.waitForLine(/Listening for Jobs/);
  const state = JSON.parse(readFileSync(rig.stateFile, "utf8")) as { runnerName?: string; runnerId?: number };
  t.same([state.runnerName, state.runnerId], ["arc-runner-1", rig.fake.runner("arc-runner-1")?.id], "the JIT config's runner, in the state file (health)");
  const job = rig.fake.queueJob({ labels, name: "arc", run: "env" });
  t.equal((await sup.exited).code, 0);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.notMatch(rig.fake.job(job)?.log ?? "", jit.slice(0, 40), "the JIT config does not reach the job");
  const rest = rig.fake.requests().slice(before).filter((r) => /\/actions\/runners|registration/.test(r.path));
  t.same(rest.map((r) => r.path), [], "no REST registration calls by the supervisor");
  t.equal(rig.fake.runners().length, 0);
});

t.test("pre-issued JIT: the work dir is the one the runner works in (its work folder, under the runner's root)", async (t) => {
  const rig = await setupRig(t);
  const jit = await preIssuedJit(rig, "arc-runner-work");
  // GH_REPOSITORY names the checkout dir the warm start prepares (and would load into).
  const sup = rig.start({ GH_TOKEN: "", GH_LABELS: "", WORK_DIR: "", ACTIONS_RUNNER_INPUT_JITCONFIG: jit });
  await sup.waitForLine(/Listening for Jobs/);
  const checkout = `${rig.runnerDir}/_work/hello/hello`;
  t.ok(existsSync(checkout), "the warm start's checkout dir is under the runner's _work");
  const job = rig.fake.queueJob({ labels, name: "where", run: "pwd" });
  t.equal((await sup.exited).code, 0);
  t.match(rig.fake.job(job)?.log, `${checkout}\n`, "the job ran in that directory");

  const other = rig.start({ GH_TOKEN: "", GH_LABELS: "", WORK_DIR: "/mnt", ACTIONS_RUNNER_INPUT_JITCONFIG: jit });
  t.equal((await other.exited).code, 78, "WORK_DIR elsewhere is a configuration error");
  t.match(other.output(), `WORK_DIR: /mnt, but the runner of ACTIONS_RUNNER_INPUT_JITCONFIG works in ${rig.runnerDir}/_work`);
});

t.test("pre-issued JIT: deprecated runner version exits 7 when ARC asks for it", async (t) => {
  const rig = await setupRig(t);
  const jit = await preIssuedJit(rig, "arc-runner-2");
  const sup = rig.start({
    GH_TOKEN: "",
    GH_REPOSITORY: "",
    GH_LABELS: "",
    WORK_DIR: "",
    ACTIONS_RUNNER_INPUT_JITCONFIG: jit,
    ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE: "1",
    FAKE_RUNNER_EXIT_CODES: "7",
  });
  t.equal((await sup.exited).code, 7);
});

t.test("GitHub App: installation looked up, token refreshed, deregistration after expiry works", async (t) => {
  const rig = await setupRig(t);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  rig.fake.registerApp({ appId: 4242, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
  // Tokens that live less than the refresh margin: every use needs a fresh one.
  rig.fake.setInstallationTokenTtl(1500);
  const sup = rig.start({ GH_TOKEN: "", GH_APP_ID: "4242", GH_APP_PRIVATE_KEY: pem });
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /GitHub App 4242: installation \d+ for octo\/hello/);
  rig.fake.expireTokens(); // the installation token of the boot has expired
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners().length, 0, "deregistered with a fresh installation token");
  t.ok(rig.fake.requests().filter((r) => /access_tokens$/.test(r.path)).length >= 2, "a new installation token for the shutdown");
  t.notMatch(sup.output(), /BEGIN RSA PRIVATE KEY/);
});

t.test("GH_RUNNER_TOKEN: registers with it; GitHub refuses it for removal: one clear line, the job still finishes", async (t) => {
  const rig = await setupRig(t);
  const token = rig.fake.registrationToken(`repos/${REPO}`).token;
  const sup = rig.start({ GH_TOKEN: "", GH_RUNNER_TOKEN: token });
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /GH_RUNNER_TOKEN is a registration token, valid one hour/);
  const job = rig.fake.queueJob({ labels, name: "tok", hold: true });
  await sup.waitForLine(/Running job: tok/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/waiting for it to finish/);
  rig.fake.releaseJob(job);
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded", "the job was not cancelled");
  t.equal(sup.lines.filter((l) => /cannot deregister runner .*GitHub refused the removal with GH_RUNNER_TOKEN/.test(l)).length, 1, "one line");
  t.equal(rig.fake.runners()[0]?.status, "offline", "the registration is left offline, as the warning said");
  t.notMatch(sup.output(), token);
});

t.test("organization scope with a runner group; unknown group is one clear line", async (t) => {
  const rig = await setupRig(t);
  const groupId = rig.fake.addRunnerGroup("orgs/acme", "builders");
  const sup = rig.start({ GH_REPOSITORY: "", GH_ORG: "acme", RUNNER_GROUP: "builders" });
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(rig.fake.runners("orgs/acme")[0]?.runner_group_id, groupId);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners("orgs/acme").length, 0);

  const jit = rig.start({ GH_REPOSITORY: "", GH_ORG: "acme", RUNNER_GROUP: "nope", RUNNER_JIT: "1" });
  t.equal((await jit.exited).code, 78);
  t.match(jit.output(), /RUNNER_GROUP: no runner group named "nope" in organization acme/);
  t.equal(rig.fake.runners("orgs/acme").length, 0);
});

t.test("seed aliases: GITHUB_URL + ACCESS_TOKEN + RUNNER_LABELS; a conflicting alias exits 78", async (t) => {
  const rig = await setupRig(t);
  const env = { ...rig.env, GH_TOKEN: "", GH_REPOSITORY: "", GH_LABELS: "", GH_URL: "" };
  const sup = rig.start({ ...env, GITHUB_URL: `${rig.fake.url}/${REPO}`, ACCESS_TOKEN: FAKE_PAT, RUNNER_LABELS: LABELS });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  const bad = rig.start({ REPO: "octo/other" });
  t.equal((await bad.exited).code, 78);
  t.match(bad.output(), /GH_REPOSITORY: GH_REPOSITORY and REPO are both set and differ/);
  t.equal(rig.fake.runners().length, 0);
});

t.test("GHES: every REST call goes under /api/v3", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  await sup.exited;
  const rest = rig.fake.requests().filter((r) => /actions\/runners|runner-registration/.test(r.path));
  t.ok(rest.length >= 3);
  t.ok(rest.every((r) => r.path.startsWith("/api/v3/")), rest.map((r) => r.path).join(" "));
});

t.test("a scope GitHub does not know (404) is one line naming the variable, exit 78, no stack", async (t) => {
  const rig = await setupRig(t);
  rig.fake.fault({ method: "POST", path: /registration-token$/, status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } });
  const sup = rig.start({ GH_REPOSITORY: "octo/typo" });
  t.equal((await sup.exited).code, 78);
  const errors = sup.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1, "one error line");
  t.match(errors[0], /error: GH_REPOSITORY: GitHub answered 404 to POST \/repos\/octo\/typo\/actions\/runners\/registration-token: octo\/typo does not exist/);
  t.notMatch(sup.output(), /    at /, "no stack trace");
  t.equal(rig.fake.runners().length, 0);
});

t.test("a GitHub App not installed on the scope is one line naming GH_APP_ID, exit 78", async (t) => {
  const rig = await setupRig(t);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  rig.fake.registerApp({ appId: 77, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), accounts: ["someone-else"] });
  const sup = rig.start({ GH_TOKEN: "", GH_APP_ID: "77", GH_APP_PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString() });
  t.equal((await sup.exited).code, 78);
  t.match(sup.output(), /error: GH_APP_ID: GitHub App 77 is not installed on octo\/hello \(404 from GET \/repos\/octo\/hello\/installation\)/);
  t.notMatch(sup.output(), /    at /, "no stack trace");
});
