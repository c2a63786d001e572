import t from "tap";
import { execFileSync } from "node:child_process";
import { chownSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { LABELS, setupRig, type Rig } from "../helpers/rig.ts";
import { takeMachineLock } from "../helpers/machine-lock.ts";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const labels = LABELS.split(",");

/** A job step asking git for credentials the way `git clone` would; prints the answer and git's exit code. */
function fill(protocol: string, host: string): string {
  return `printf 'protocol=${protocol}\\nhost=${host}\\n\\n' | GIT_TERMINAL_PROMPT=0 git credential fill 2>&1; echo "rc=$?"`;
}

async function runJob(rig: Rig, run: string, env: Record<string, string> = {}): Promise<string> {
  const id = rig.fake.queueJob({ labels, name: "git", run, env });
  await rig.fake.waitFor(() => rig.fake.job(id)?.status === "completed");
  return rig.fake.job(id)?.log ?? "";
}

/**
 * The runner user's ~/.gitconfig is shared by every test run on this machine:
 * this test has it to itself until its end, then puts back what was there.
 */
async function keepGitConfig(t: { teardown(fn: () => unknown): void }, path: string): Promise<void> {
  const unlock = await takeMachineLock("gitconfig");
  const before = existsSync(path) ? readFileSync(path) : undefined;
  t.teardown(() => {
    if (before === undefined) rmSync(path, { force: true });
    else writeFileSync(path, before);
    unlock();
  });
}

/** A rig whose runner user has no ~/.gitconfig (until this test's end), and the image's credential helper. */
async function withoutGitConfig(t: Parameters<typeof setupRig>[0]): Promise<{ rig: Rig; gitconfig: string; helper: string }> {
  const rig = await setupRig(t);
  const gitconfig = join(rig.user.home, ".gitconfig");
  await keepGitConfig(t, gitconfig);
  rmSync(gitconfig, { force: true });
  const helper = join(rig.base, "git-credential-ci-runner");
  copyFileSync(join(REPO_ROOT, "image/git-credential-ci-runner"), helper);
  return { rig, gitconfig, helper };
}

t.test("a job step's git gets its own GITHUB_TOKEN / GH_TOKEN for github.com and GH_URL's host, nothing else", async (t) => {
  const { rig, gitconfig, helper } = await withoutGitConfig(t);
  writeFileSync(gitconfig, "[user]\n\tname = Someone Else\n");
  chownSync(gitconfig, rig.user.uid, rig.user.gid);
  const ghesHost = new URL(rig.fake.url).host;

  const sup = rig.start({ GIT_CREDENTIAL_HELPER: helper });
  await sup.waitForLine(/Listening for Jobs/);

  const github = await runJob(rig, fill("https", "github.com"), { GITHUB_TOKEN: "ghs_jobtoken1" });
  t.match(github, /^username=x-access-token$/m);
  t.match(github, /^password=ghs_jobtoken1$/m);
  t.match(github, /^rc=0$/m);

  const ghToken = await runJob(rig, fill("https", "github.com"), { GH_TOKEN: "ghs_jobtoken2" });
  t.match(ghToken, /^password=ghs_jobtoken2$/m, "GH_TOKEN when GITHUB_TOKEN is not set");

  const ghes = await runJob(rig, fill("http", ghesHost), { GITHUB_TOKEN: "ghs_jobtoken3" });
  t.match(ghes, /^password=ghs_jobtoken3$/m, "GH_URL's host (GitHub Enterprise Server)");

  const elsewhere = await runJob(rig, fill("https", "example.com"), { GITHUB_TOKEN: "ghs_jobtoken4" });
  t.notMatch(elsewhere, /ghs_jobtoken4/, "no token for other hosts");
  t.notMatch(elsewhere, /^rc=0$/m);

  const none = await runJob(rig, fill("https", "github.com"));
  t.notMatch(none, /password=/, "no token in the step: no answer");
  t.notMatch(none, /^rc=0$/m, "git credential fill fails");
  for (const log of [github, ghToken, ghes, elsewhere, none]) t.notMatch(log, FAKE_PAT, "never the supervisor's PAT");

  const config = readFileSync(gitconfig, "utf8");
  t.match(config, /name = Someone Else/, "other settings kept");
  t.notMatch(config, FAKE_PAT);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);

  // A second boot adds nothing.
  const again = rig.start({ GIT_CREDENTIAL_HELPER: helper });
  await again.waitForLine(/Listening for Jobs/);
  t.equal(readFileSync(gitconfig, "utf8"), config, "~/.gitconfig unchanged by a second boot");
  const helpers = execFileSync("git", ["config", "--file", gitconfig, "--get-all", "credential.https://github.com.helper"]).toString();
  t.equal(helpers, `${helper}\n`, "one helper entry");
  again.signal("SIGTERM");
  t.equal((await again.exited).code, 143);
});

t.test("no ~/.gitconfig yet (a fresh container): one owned by the runner user, whose git answers with the step's token", async (t) => {
  const { rig, gitconfig, helper } = await withoutGitConfig(t);

  const sup = rig.start({ GIT_CREDENTIAL_HELPER: helper });
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(sup.lines.filter((l) => /git credentials: .* answered with the job's GITHUB_TOKEN or GH_TOKEN/.test(l)).length, 2, "github.com and GH_URL's origin");
  const st = statSync(gitconfig);
  t.same([st.uid, st.gid, st.mode & 0o777], [rig.user.uid, rig.user.gid, 0o644], "the runner user's, as git would make it");
  const job = await runJob(rig, fill("https", "github.com"), { GITHUB_TOKEN: "ghs_jobtoken5" });
  t.match(job, /^password=ghs_jobtoken5$/m);
  const config = readFileSync(gitconfig, "utf8");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);

  const again = rig.start({ GIT_CREDENTIAL_HELPER: helper });
  await again.waitForLine(/Listening for Jobs/);
  t.equal(readFileSync(gitconfig, "utf8"), config, "a second boot adds nothing");
  again.signal("SIGTERM");
  t.equal((await again.exited).code, 143);
});

t.test("no helper installed: one warning, the runner starts", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ GIT_CREDENTIAL_HELPER: join(rig.base, "missing-helper") });
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(sup.lines.filter((l) => /warning: git credentials: .*missing-helper not found/.test(l)).length, 1);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("a guest hook's own `git config --global` and the helper both end up in ~/.gitconfig", async (t) => {
  const { rig, gitconfig, helper } = await withoutGitConfig(t);
  const hook = join(rig.guestHooks, "entrypoint.50-git.sh");
  writeFileSync(hook, "git config --global user.name 'From A Hook'\ngit config --global --add safe.directory '*'\n", { mode: 0o755 });
  chownSync(hook, rig.user.uid, rig.user.gid);

  const sup = rig.start({ GIT_CREDENTIAL_HELPER: helper });
  await sup.waitForLine(/Listening for Jobs/);
  const config = readFileSync(gitconfig, "utf8");
  t.match(config, /name = From A Hook/, "the hook's setting");
  t.match(config, /directory = \*/, "the hook's second setting");
  const helpers = execFileSync("git", ["config", "--file", gitconfig, "--get-all", "credential.https://github.com.helper"]).toString();
  t.equal(helpers, `${helper}\n`, "the credential helper");
  t.notMatch(sup.output(), /warning: git credentials/, "no lock conflict");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});
