// myoung34/docker-github-actions-runner's README examples, as env files,
// through PID 1 against the fake GitHub: each registers what that image
// would have registered (scope, name, labels, ephemeral or not), or prints
// what it should. Only https://github.com and the secrets are replaced (by
// the fake's URL and tokens it accepts), and the work dirs moved under the
// test's scratch dir.
import t from "tap";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_LABELS } from "../fakes/github/fake-github.ts";
import { setupRig, type Rig } from "../helpers/rig.ts";

/** docker's --env-file: NAME=value per line, # comments, no quoting. */
function envFile(text: string, subst: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    let value = line.slice(eq + 1);
    for (const [from, to] of Object.entries(subst)) value = value.split(from).join(to);
    env[line.slice(0, eq)] = value;
  }
  return env;
}

/**
 * The example on the rig's plumbing (the fake's URL as GH_URL, runner dir,
 * user, hooks, state file), none of ci-runner's own GitHub settings: the
 * fake stands in for github.com, which organization examples do not name.
 */
function start(rig: Rig, example: string, subst: Record<string, string> = {}) {
  // The examples' PATs.
  for (const pat of ["footoken", "foo-access-token"]) rig.fake.addToken(pat);
  const unset = { GH_TOKEN: "", GH_REPOSITORY: "", GH_LABELS: "", RUNNER_NAME: "", WORK_DIR: "" };
  const env = envFile(example, { "https://github.com": rig.fake.url, "/tmp/": `${rig.base}/`, ...subst });
  return rig.start({ ...unset, ...env });
}

const labelsOf = (rig: Rig, scope: string) => (rig.fake.runners(scope)[0]?.labels ?? []).map((l) => l.name);

t.test("per-repo runner with a registration token: its name, the label default", async (t) => {
  const rig = await setupRig(t);
  const sup = start(
    rig,
    `
REPO_URL=https://github.com/myoung34/repo
RUNNER_NAME=foo-runner
RUNNER_TOKEN=footoken
RUNNER_WORKDIR=/tmp/github-runner-your-repo
`,
    { footoken: rig.fake.registrationToken("repos/myoung34/repo").token },
  );
  await sup.waitForLine(/Listening for Jobs/);
  const r = rig.fake.runner("foo-runner", "repos/myoung34/repo");
  t.ok(r, "registered at the repository, named foo-runner");
  t.same(labelsOf(rig, "repos/myoung34/repo"), [...DEFAULT_LABELS, "default"], "myoung34's default label");
  t.equal(r?.ephemeral, false);
  t.match(sup.output(), /warning: LABELS: unset, so the runner gets myoung34's default label "default"/);
  t.ok(existsSync(`${rig.base}/github-runner-your-repo/repo/repo`), "jobs' checkout dir under RUNNER_WORKDIR");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("organization runner with RUNNER_SCOPE, a group and labels (Manual Org Runner)", async (t) => {
  const rig = await setupRig(t);
  const group = rig.fake.addRunnerGroup("orgs/octokode", "my-group");
  const sup = start(
    rig,
    `
RUNNER_NAME_PREFIX=myrunner
ACCESS_TOKEN=footoken
RUNNER_WORKDIR=/tmp/github-runner-your-repo
RUNNER_GROUP=my-group
RUNNER_SCOPE=org
DISABLE_AUTO_UPDATE=true
ORG_NAME=octokode
LABELS=my-label,other-label
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  const [r] = rig.fake.runners("orgs/octokode");
  t.match(r?.name, /^myrunner-/, "RUNNER_NAME_PREFIX");
  t.equal(r?.runner_group_id, group, "in my-group");
  t.same(labelsOf(rig, "orgs/octokode"), [...DEFAULT_LABELS, "my-label", "other-label"]);
  t.equal(r?.ephemeral, false);
  t.notMatch(sup.output(), /warning: (?!git credentials: )/, "nothing to warn about (but the test machine's missing credential helper)");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners("orgs/octokode").length, 0, "deregistered at stop, as myoung34 does");
});

t.test("enterprise runner (RUNNER_SCOPE=enterprise)", async (t) => {
  const rig = await setupRig(t);
  rig.fake.addRunnerGroup("enterprises/my-enterprise", "my-group");
  const sup = start(
    rig,
    `
ACCESS_TOKEN=footoken
RUNNER_NAME=foo-runner
RUNNER_WORKDIR=/tmp/github-runner-your-repo
RUNNER_GROUP=my-group
RUNNER_SCOPE=enterprise
ENTERPRISE_NAME=my-enterprise
LABELS=my-label,other-label
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  t.ok(rig.fake.runner("foo-runner", "enterprises/my-enterprise"), "registered at the enterprise");
  t.same(labelsOf(rig, "enterprises/my-enterprise"), [...DEFAULT_LABELS, "my-label", "other-label"]);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("GitHub App (APP_ID, APP_PRIVATE_KEY with \\n, APP_LOGIN): registered; none of them reaches a hook or a job", async (t) => {
  const rig = await setupRig(t);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString().trim();
  rig.fake.registerApp({ appId: 5678, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
  writeFileSync(join(rig.rootHooks, "entrypoint.10-env.sh"), `env > ${rig.base}/root-hook.env\n`);
  const sup = start(
    rig,
    `
RUNNER_SCOPE=org
ORG_NAME=octokode
APP_ID=5678
APP_PRIVATE_KEY=${pem.replace(/\n/g, "\\n")}
APP_LOGIN=octokode
LABELS=app
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(rig.fake.runners("orgs/octokode").length, 1, "registered with the App's installation token");
  t.match(sup.output(), /warning: APP_LOGIN: set, but without effect in ci-runner: the GitHub App's installation is looked up for the scope/);
  const job = rig.fake.queueJob({ labels: ["app"], name: "env", run: "env" });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  const { readFileSync } = await import("node:fs");
  for (const [where, text] of [["root hook", readFileSync(`${rig.base}/root-hook.env`, "utf8")], ["job", rig.fake.job(job)?.log ?? ""]] as const) {
    t.notMatch(text, /^(APP_ID|APP_PRIVATE_KEY|APP_LOGIN|GH_APP_ID|GH_APP_PRIVATE_KEY)=/m, `${where}: no App variable`);
    t.notMatch(text, /BEGIN RSA PRIVATE KEY/, `${where}: no key`);
  }
  t.notMatch(sup.output(), /BEGIN RSA PRIVATE KEY|MII/, "the key is in no log line");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners("orgs/octokode").length, 0);
});

t.test("ephemeral (the systemd env file): --ephemeral on GitHub, one job, exit 0, nothing left", async (t) => {
  const rig = await setupRig(t);
  const sup = start(
    rig,
    `
# Install with:
#   sudo install -m 600 ephemeral-github-actions-runner.env /etc/

RUNNER_SCOPE=repo
REPO_URL=https://github.com/your-org/your-repo

# Alternate for org scope:
#RUNNER_SCOPE=org
#ORG_NAME=your-org

LABELS=any-custom-labels-go-here
ACCESS_TOKEN=foo-access-token

RUNNER_WORKDIR=/tmp/runner/work
DISABLE_AUTO_UPDATE=1
EPHEMERAL=1
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  const [r] = rig.fake.runners("repos/your-org/your-repo");
  t.equal(r?.ephemeral, true, "registered as ephemeral");
  t.same(labelsOf(rig, "repos/your-org/your-repo"), [...DEFAULT_LABELS, "any-custom-labels-go-here"]);
  const job = rig.fake.queueJob({ labels: ["any-custom-labels-go-here"], name: "once", durationMs: 200 });
  t.equal((await sup.exited).code, 0, "one job, then exit 0 (restart brings a fresh container)");
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners("repos/your-org/your-repo").length, 0);
});

t.test("NO_DEFAULT_LABELS: only LABELS", async (t) => {
  const rig = await setupRig(t);
  const sup = start(
    rig,
    `
REPO_URL=https://github.com/myoung34/repo
ACCESS_TOKEN=footoken
LABELS=gpu
NO_DEFAULT_LABELS=true
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  t.same(labelsOf(rig, "repos/myoung34/repo"), ["gpu"]);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("DEBUG_ONLY: prints the configuration and exits 0; no hook runs, nothing is registered", async (t) => {
  const rig = await setupRig(t);
  writeFileSync(join(rig.rootHooks, "entrypoint.10-mark.sh"), `touch ${rig.base}/hook-ran\n`);
  const sup = start(
    rig,
    `
DEBUG_ONLY=true
RUNNER_NAME=huzzah
ACCESS_TOKEN=1234
RUNNER_SCOPE=org
ORG_NAME=myoung34
ENTERPRISE_NAME=emyoung34
LABELS=blue,green
RUNNER_GROUP=wat
RUNNER_WORKDIR=/tmp/a
DISABLE_AUTOMATIC_DEREGISTRATION=true
EPHEMERAL=true
DISABLE_AUTO_UPDATE=true
`,
  );
  t.equal((await sup.exited).code, 0);
  const out = sup.output();
  for (const line of [/config: GH_ORG=myoung34$/m, /config: GH_LABELS=blue green$/m, /config: RUNNER_NAME=huzzah$/m, /config: RUNNER_EPHEMERAL=true$/m, /config: RUNNER_KEEP_REGISTRATION=true$/m, /config: GH_TOKEN=\*\*\* \(from environment\)$/m, /config: # scope: organization myoung34/m]) {
    t.match(out, line);
  }
  t.match(out, /warning: ENTERPRISE_NAME: ignored: RUNNER_SCOPE=org makes ORG_NAME the scope/);
  t.match(out, /CI_RUNNER_DRY_RUN: configuration printed; nothing is started or registered/);
  t.notOk(existsSync(`${rig.base}/hook-ran`), "no hook ran");
  t.same(rig.fake.requests(), [], "GitHub was never called");
});

t.test("UNSET_CONFIG_VARS keeps the settings out of jobs; DEBUG_OUTPUT prints them and runs; RANDOM_RUNNER_SUFFIX", async (t) => {
  const rig = await setupRig(t);
  const sup = start(
    rig,
    `
REPO_URL=https://github.com/myoung34/repo
ACCESS_TOKEN=footoken
RUNNER_NAME_PREFIX=asdf
RANDOM_RUNNER_SUFFIX=true
LABELS=blue
UNSET_CONFIG_VARS=true
DEBUG_OUTPUT=true
TZ=UTC
`,
  );
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /config: GH_REPOSITORY=myoung34\/repo$/m, "DEBUG_OUTPUT: the configuration, then the boot");
  t.match(rig.fake.runners("repos/myoung34/repo")[0]?.name, /^asdf-.+-[0-9a-f]{8}$/, "a random suffix");
  const job = rig.fake.queueJob({ labels: ["blue"], name: "env", run: "env" });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  const log = rig.fake.job(job)?.log ?? "";
  t.match(log, /^RUNNER_MANUALLY_TRAP_SIG=1$/m, "the job printed its environment");
  for (const name of ["REPO_URL", "LABELS", "RUNNER_NAME_PREFIX", "RANDOM_RUNNER_SUFFIX", "UNSET_CONFIG_VARS", "DEBUG_OUTPUT", "GH_URL", "RUNNER_DIR", "CI_RUNNER_STATE_FILE", "ACCESS_TOKEN"]) {
    t.notMatch(log, new RegExp(`^${name}=`, "m"), `no ${name} in the job`);
  }
  t.match(log, /^TZ=UTC$/m, "TZ stays: jobs read it themselves");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});
