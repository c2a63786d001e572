import t from "tap";
import { existsSync, lchownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APP_KEY_PEM } from "../helpers/app-key.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";
import { setupRig } from "../helpers/rig.ts";

// One bad value per variable: exit 78, one line naming it, no hook run, GitHub never called.
const cases: [string, Record<string, string>][] = [
  ["GH_TOKEN", { GH_TOKEN: "" }],
  ["GH_REPOSITORY", { GH_REPOSITORY: "no-slash" }],
  ["GH_LABELS", { GH_LABELS: "" }],
  // A one-line key from an env file: retried forever as a network error before.
  ["GH_APP_PRIVATE_KEY", { GH_TOKEN: "", GH_APP_ID: "12", GH_APP_PRIVATE_KEY: APP_KEY_PEM.replace(/\n/g, "\\n") }],
  // The runner would exit 0 on it (as after its one job): exit 0 before.
  ["ACTIONS_RUNNER_INPUT_JITCONFIG", { GH_TOKEN: "", GH_LABELS: "", WORK_DIR: "", ACTIONS_RUNNER_INPUT_JITCONFIG: "not-a-jit-config" }],
  ["GH_URL", { GH_URL: "not a url" }],
  ["TZ", { TZ: "Europe/Bad Zone" }],
  ["FORWARD_HOST", { FORWARD_HOST: "bad!host", FORWARD_PORTS: "5432" }],
  ["FORWARD_PORTS", { FORWARD_HOST: "db", FORWARD_PORTS: "99999" }],
  ["CI_STORAGE_HOST", { CI_STORAGE_HOST: "user@host:port" }],
  ["BTIME", { BTIME: "x" }],
  ["DEBUG_SHUTDOWN_DELAY_SEC", { DEBUG_SHUTDOWN_DELAY_SEC: "soon" }],
  ["SHUTDOWN_TIMEOUT_SEC", { SHUTDOWN_TIMEOUT_SEC: "-5" }],
  ["RUNNER_NAME", { RUNNER_NAME: "has space" }],
  ["RUNNER_USER", { RUNNER_USER: "nosuchuser" }],
  ["WORK_DIR", { WORK_DIR: "relative/dir" }],
];

t.test("bad configuration", async (t) => {
  const rig = await setupRig(t);
  const marker = join(rig.base, "hook-ran");
  writeFileSync(join(rig.rootHooks, "entrypoint.10-x.sh"), `touch ${marker}\n`);
  for (const [name, env] of cases) {
    const sup = rig.start(env, { pid1: false });
    const { code } = await sup.exited;
    t.equal(code, 78, `${name}: exit 78`);
    const errors = sup.lines.filter((l) => / error: /.test(l));
    t.equal(errors.length, 1, `${name}: one error line`);
    t.match(errors[0], new RegExp(` error: ${name}: `), `${name}: the line names the variable`);
  }
  t.notOk(existsSync(marker), "no hook ran");
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});

t.test("a RUNNER_DIR without the runner: one line naming it, exit 78, GitHub never called", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_DIR: `${rig.base}/no-runner-here` });
  t.equal((await sup.exited).code, 78);
  const errors = sup.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1);
  t.match(errors[0], `error: RUNNER_DIR: no ${rig.base}/no-runner-here/config.sh: the runner is not installed there`);
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});

t.test("a WORK_DIR that cannot be created (under /proc): one line naming it, exit 78 at once, GitHub never called", async (t) => {
  const rig = await setupRig(t);
  // Node's own recursive mkdirSync spins forever here, deaf to signals.
  const sup = rig.start({ WORK_DIR: "/proc/ci-runner-no-such-dir/work" });
  const timer = setTimeout(() => sup.child.kill("SIGKILL"), HANG_GUARD_MS);
  t.equal((await sup.exited).code, 78);
  clearTimeout(timer);
  const errors = sup.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1);
  t.match(errors[0], "error: WORK_DIR: cannot prepare /proc/ci-runner-no-such-dir/work: ENOENT");
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});

t.test("a WORK_DIR a job replaced with its own symlink (a container that lives on): refused, one line naming it, exit 78; its target not chowned", { skip: process.getuid?.() !== 0 && "needs root" }, async (t) => {
  const rig = await setupRig(t);
  const target = join(rig.base, "root-only");
  mkdirSync(target, { mode: 0o700 });
  const work = join(rig.base, "work-link");
  symlinkSync(target, work);
  lchownSync(work, rig.user.uid, rig.user.gid);
  const sup = rig.start({ WORK_DIR: work });
  t.equal((await sup.exited).code, 78);
  const errors = sup.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1);
  t.match(errors[0], `error: WORK_DIR: cannot prepare ${work}: ${work} is a symlink made by uid ${rig.user.uid}, not by root: refused`);
  t.equal(statSync(target).uid, 0, "the symlink's target still root's");
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});

t.test("ci-runner config prints the configuration with secrets masked", async (t) => {
  const rig = await setupRig(t);
  writeFileSync(join(rig.secretsDir, "CI_STORAGE_PRIVATE_KEY"), "-----BEGIN OPENSSH PRIVATE KEY-----\nsecretkeymaterial0123456789\n-----END OPENSSH PRIVATE KEY-----\n");
  const sup = rig.start({}, { pid1: false, args: ["config"] });
  t.equal((await sup.exited).code, 0);
  const out = sup.output();
  t.match(out, /^GH_TOKEN=\*\*\* \(from environment\)$/m);
  t.match(out, /^CI_STORAGE_PRIVATE_KEY=\*\*\* \(from secret file\)$/m);
  t.match(out, new RegExp(`^GH_REPOSITORY=${rig.env.GH_REPOSITORY}$`, "m"));
  t.notMatch(out, new RegExp(rig.env.GH_TOKEN as string));
  t.notMatch(out, /secretkeymaterial/);
  const bad = rig.start({ GH_REPOSITORY: "x" }, { pid1: false, args: ["config"] });
  t.equal((await bad.exited).code, 78);
  t.match(bad.output(), /GH_REPOSITORY: expected owner\/repo, got "x"/);
});

t.test("GH_TOKEN from /run/secrets-style file", async (t) => {
  const rig = await setupRig(t);
  writeFileSync(join(rig.secretsDir, "GH_TOKEN"), `${rig.env.GH_TOKEN}\n`);
  const sup = rig.start({ GH_TOKEN: "" });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("what only config.sh can tell (a runner group that does not exist, a registration token GitHub does not know): one line naming the variable, exit 78, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const cases: [string, Record<string, string>, string][] = [
    ["RUNNER_GROUP", { GH_REPOSITORY: "", GH_ORG: "octo", RUNNER_GROUP: "no-such-group" }, 'error: RUNNER_GROUP: no runner group named "no-such-group" in organization octo'],
    ["GH_RUNNER_TOKEN", { GH_TOKEN: "", GH_RUNNER_TOKEN: "AEXPIREDORNEVERISSUEDTOKEN" }, "error: GH_RUNNER_TOKEN: GitHub does not know this registration token"],
  ];
  for (const [name, env, line] of cases) {
    const sup = rig.start(env);
    t.equal((await sup.exited).code, 78, `${name}: exit 78`);
    const errors = sup.lines.filter((l) => / error: /.test(l));
    t.equal(errors.length, 1, `${name}: one error line`);
    t.match(errors[0], line, `${name}: the line names it`);
    t.notMatch(sup.output(), /AEXPIREDORNEVERISSUEDTOKEN/, `${name}: the token not shown`);
  }
  t.equal(rig.fake.runners().length, 0, "nothing registered");
});

t.test("a CI_RUNNER_STATE_FILE that cannot be written: one warning naming it (health will say unhealthy), the runner still runs", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ CI_RUNNER_STATE_FILE: "/proc/ci-runner-no-such-dir/state.json" });
  t.match(await sup.waitForLine(/warning: CI_RUNNER_STATE_FILE/), "warning: CI_RUNNER_STATE_FILE: cannot write /proc/ci-runner-no-such-dir/state.json (ENOENT): `ci-runner health` reports this runner unhealthy");
  // Idle, the state has been written several times (booting, registering, idle).
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143, "ran, and stopped as usual");
  t.equal(sup.lines.filter((l) => /CI_RUNNER_STATE_FILE/.test(l)).length, 1, "one line, not one per update");
});
