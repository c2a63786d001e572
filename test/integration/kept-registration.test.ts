// RUNNER_REGISTRATION_DIR (myoung34's CONFIGURED_ACTIONS_RUNNER_FILES_DIR):
// a registration kept in a volume is resumed by the next container, with no
// registration token and no config.sh; one GitHub no longer has is made anew.
import t from "tap";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { installFakeRunner } from "../fakes/runner/install-fake-runner.ts";
import { setupRig, LABELS, REPO, type Rig } from "../helpers/rig.ts";

const labels = LABELS.split(",");
const registrations = (rig: Rig) => rig.fake.requests().filter((r) => /\/actions\/runner-registration$/.test(r.path)).length;
const tokenRequests = (rig: Rig) => rig.fake.requests().filter((r) => /\/registration-token$/.test(r.path)).length;

/** A new container: a fresh copy of the runner (nothing of the last one's files), the same volume. */
async function freshRunnerDir(rig: Rig): Promise<string> {
  const container = mkdtempSync(join(rig.base, "container-"));
  chmodSync(container, 0o755);
  const dir = join(container, "actions-runner");
  await installFakeRunner(dir, { uid: rig.user.uid, gid: rig.user.gid });
  return dir;
}

t.test("a one-hour registration token, kept registration: a restart after the token expired resumes without registering", async (t) => {
  const rig = await setupRig(t);
  const kept = join(rig.base, "kept");
  // myoung34's names, as its README's "reusage" example.
  const env = {
    GH_TOKEN: "",
    RUNNER_TOKEN: rig.fake.registrationToken(`repos/${REPO}`).token,
    CONFIGURED_ACTIONS_RUNNER_FILES_DIR: kept,
    DISABLE_AUTOMATIC_DEREGISTRATION: "true",
  };
  const first = rig.start(env);
  await first.waitForLine(/Listening for Jobs/);
  t.match(first.output(), new RegExp(`keeping the registration of runner ${rig.env.RUNNER_NAME} in ${kept}: a restart resumes it`));
  t.same(readdirSync(kept).sort(), [".ci-runner-registration.json", ".credentials", ".credentials_rsaparams", ".runner"]);
  first.signal("SIGTERM");
  t.equal((await first.exited).code, 143);
  t.match(first.output(), /leaving runner .* registered on GitHub \(RUNNER_KEEP_REGISTRATION\)/);
  const [runner] = rig.fake.runners();
  t.equal(runner?.status, "offline", "still registered, offline");

  rig.fake.expireTokens(); // days later
  const before = { registrations: registrations(rig), tokens: tokenRequests(rig) };
  const second = rig.start({ ...env, RUNNER_DIR: await freshRunnerDir(rig) });
  await second.waitForLine(/Listening for Jobs/);
  t.match(second.output(), new RegExp(`resuming runner ${rig.env.RUNNER_NAME} \\(id ${runner?.id}\\) kept in ${kept}: no new registration`));
  t.same({ registrations: registrations(rig), tokens: tokenRequests(rig) }, before, "no config.sh registration, no registration token");
  t.equal(rig.fake.runners().length, 1, "the same registration");
  const job = rig.fake.queueJob({ labels, name: "after-restart", durationMs: 100 });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  t.equal(rig.fake.job(job)?.runnerId, runner?.id, "the resumed runner took the job");
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  second.signal("SIGTERM");
  t.equal((await second.exited).code, 143);
  t.ok(existsSync(join(kept, ".runner")), "still kept for the next start");
});

/** A first container that registered, kept its registration and stopped; the env to start the next one with. */
async function keptAndStopped(rig: Rig): Promise<{ env: Record<string, string>; old: number }> {
  const env = { RUNNER_REGISTRATION_DIR: join(rig.base, "kept"), RUNNER_KEEP_REGISTRATION: "1" };
  const first = rig.start(env);
  await first.waitForLine(/Listening for Jobs/);
  first.signal("SIGTERM");
  await first.exited;
  return { env, old: rig.fake.runners()[0]?.id as number };
}

t.test("a kept registration that cannot be restored into RUNNER_DIR: one line naming RUNNER_REGISTRATION_DIR, exit 78, still kept", async (t) => {
  const rig = await setupRig(t);
  const { env, old } = await keptAndStopped(rig);
  const runnerDir = await freshRunnerDir(rig);
  mkdirSync(join(runnerDir, ".credentials")); // where the kept file must go: the copy fails (EISDIR)
  const next = rig.start({ ...env, RUNNER_DIR: runnerDir });
  t.equal((await next.exited).code, 78);
  const errors = next.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1, "one error line, no stack trace");
  t.match(errors[0], new RegExp(`RUNNER_REGISTRATION_DIR: cannot resume the registration kept in ${env.RUNNER_REGISTRATION_DIR} into ${runnerDir} \\(EISDIR\\)`));
  t.same(rig.fake.runners().map((r) => r.id), [old], "the kept registration is still the only one");
  t.ok(existsSync(join(env.RUNNER_REGISTRATION_DIR ?? "", ".runner")), "still kept for a fixed start");
});

t.test("kept registration deleted on GitHub meanwhile: one line, registered anew", async (t) => {
  const rig = await setupRig(t);
  const { env, old } = await keptAndStopped(rig);
  t.equal(rig.fake.removeRunner(old), "removed", "deleted on GitHub (or dropped after 14 days offline)");

  const second = rig.start({ ...env, RUNNER_DIR: await freshRunnerDir(rig) });
  await second.waitForLine(/Listening for Jobs/);
  const lines = second.lines.filter((l) => /kept in/.test(l));
  t.equal(lines.length, 1, "one line about it");
  t.match(lines[0], new RegExp(`the registration of runner ${rig.env.RUNNER_NAME} \\(id ${old}\\) kept in .* is gone from GitHub \\(deleted, or dropped after long offline\\): registering anew`));
  const [now] = rig.fake.runners();
  t.ok(now && now.id !== old && now.status === "online", "a new registration, online");
  second.signal("SIGTERM");
  t.equal((await second.exited).code, 143);
});

t.test("without RUNNER_KEEP_REGISTRATION: a stop deregisters and forgets; a SIGKILLed container is resumed", async (t) => {
  const rig = await setupRig(t);
  const kept = join(rig.base, "kept");
  const env = { RUNNER_REGISTRATION_DIR: kept, FAKE_RUNNER_RETRY_MS: "300" };
  const first = rig.start(env);
  await first.waitForLine(/Listening for Jobs/);
  first.child.kill("SIGKILL"); // docker kill: nothing could deregister
  await first.exited;
  const id = rig.fake.runners()[0]?.id;
  const before = registrations(rig);

  const second = rig.start({ ...env, RUNNER_DIR: await freshRunnerDir(rig) });
  await second.waitForLine(/Listening for Jobs/);
  t.match(second.output(), /resuming runner .* no new registration/);
  t.equal(registrations(rig), before, "no new registration");
  t.equal(rig.fake.runners()[0]?.id, id);
  second.signal("SIGTERM");
  t.equal((await second.exited).code, 143);
  t.equal(rig.fake.runners().length, 0, "deregistered");
  t.match(second.output(), new RegExp(`removed the registration of runner ${rig.env.RUNNER_NAME} from ${kept}: the next start registers anew`));
  t.notOk(existsSync(join(kept, ".runner")), "nothing left to resume");
});

t.test("kept registration made with other labels: removed on GitHub and registered anew", async (t) => {
  const rig = await setupRig(t);
  const { env, old } = await keptAndStopped(rig);

  const second = rig.start({ ...env, GH_LABELS: "ci,gpu,big", RUNNER_DIR: await freshRunnerDir(rig) });
  await second.waitForLine(/Listening for Jobs/);
  t.match(second.output(), /the registration of runner .* kept in .* was made with other GH_LABELS: removed it from GitHub; registering anew/);
  const all = rig.fake.runners();
  t.equal(all.length, 1);
  t.ok(all[0]?.id !== old && all[0]?.labels.some((l) => l.name === "big"), "the new labels");
  second.signal("SIGTERM");
  await second.exited;
});

t.test("the runner itself says the resumed registration was deleted: the kept one is dropped, the next start registers anew", async (t) => {
  const rig = await setupRig(t);
  const kept = join(rig.base, "kept");
  // A registration token: no API to check the registration with before the runner starts.
  const env = { GH_TOKEN: "", GH_RUNNER_TOKEN: rig.fake.registrationToken(`repos/${REPO}`).token, RUNNER_REGISTRATION_DIR: kept, RUNNER_KEEP_REGISTRATION: "1" };
  const first = rig.start(env);
  await first.waitForLine(/Listening for Jobs/);
  first.signal("SIGTERM");
  await first.exited;
  rig.fake.removeRunner(rig.fake.runners()[0]?.id as number);

  const second = rig.start({ ...env, RUNNER_DIR: await freshRunnerDir(rig) });
  t.equal((await second.exited).code, 1, "the orchestrator restarts it");
  t.match(second.output(), /runner health: .*The runner registration has been deleted/);
  t.match(second.output(), new RegExp(`removed the registration of runner ${rig.env.RUNNER_NAME} from ${kept}: the next start registers anew`));
  t.notOk(existsSync(join(kept, ".runner")));

  const third = rig.start({ ...env, GH_RUNNER_TOKEN: rig.fake.registrationToken(`repos/${REPO}`).token, RUNNER_DIR: await freshRunnerDir(rig) });
  await third.waitForLine(/Listening for Jobs/);
  t.match(third.output(), /registering runner /);
  third.signal("SIGTERM");
  await third.exited;
});
