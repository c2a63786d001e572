import t from "tap";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runnerArch } from "../../src/runner-update/runner-release.ts";
import { startFakeReleases, type FakeReleases, type FakeReleasesOptions } from "../fakes/releases/fake-releases.ts";
import { installFakeRunner } from "../fakes/runner/install-fake-runner.ts";
import { setupRig, type Rig } from "../helpers/rig.ts";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const INSTALLED = "2.336.0";
const LATEST = "2.999.0";

// One tarball of a newer fake runner for the whole file.
const tarDir = mkdtempSync(join(tmpdir(), "ci-runner-release-"));
t.teardown(() => rmSync(tarDir, { recursive: true, force: true }));
const tarball = execFileSync("bash", [join(REPO_ROOT, "test/fakes/runner/make-tarball.sh"), join(tarDir, "runner.tar.gz")], {
  env: { ...process.env, FAKE_RUNNER_VERSION: LATEST },
})
  .toString()
  .trim();

/** Makes the installed runner look `days` old, as its files' dates would after a tar extract. */
function ageRunner(rig: Rig, days: number): void {
  const when = new Date(Date.now() - days * 86_400_000);
  utimesSync(join(rig.runnerDir, "bin/Runner.Listener"), when, when);
}

async function releases(t: { teardown(fn: () => unknown): void }, opts: Partial<FakeReleasesOptions> = {}): Promise<FakeReleases> {
  const r = await startFakeReleases({ version: LATEST, tarball, ...opts });
  t.teardown(() => r.close());
  return r;
}

const updateEnv = (r: { url: string }) => ({ RUNNER_UPDATE_AT_BOOT: "1", RUNNER_RELEASES_URL: r.url });

async function bootAndStop(rig: Rig, env: Record<string, string>): Promise<string[]> {
  const sup = rig.start(env);
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  await sup.exited;
  return sup.lines;
}

const versionLine = (lines: string[]) => lines.find((l) => /Current runner version: '/.test(l)) ?? "";
const warnings = (lines: string[]) => lines.filter((l) => / warning: runner update/.test(l));

t.test("an old runner is replaced by the latest release; a second boot reuses the cached tarball", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t);
  ageRunner(rig, 30);
  const first = await bootAndStop(rig, updateEnv(rel));
  t.match(versionLine(first), `Current runner version: '${LATEST}'`, "the new version runs");
  t.ok(first.some((l) => l.includes(`runner updated from ${INSTALLED} to ${LATEST}`)), "one line tells the update");
  t.equal(rel.downloads(), 1);
  t.ok(existsSync(join(rig.env.CACHE_DIR as string, `actions-runner-linux-${runnerArch()}-${LATEST}.tar.gz`)), "kept in CACHE_DIR");
  t.same(readdirSync(rig.runnerDir).filter((e) => e.startsWith(".ci-runner-update")), [], "no staging left");
  t.equal(warnings(first).length, 0);

  // A new container with the same cache volume: the old runner again, no second download.
  rmSync(rig.runnerDir, { recursive: true, force: true });
  await installFakeRunner(rig.runnerDir, { uid: rig.user.uid, gid: rig.user.gid });
  ageRunner(rig, 30);
  const second = await bootAndStop(rig, updateEnv(rel));
  t.match(versionLine(second), `Current runner version: '${LATEST}'`);
  t.ok(second.some((l) => / runner update: using .* from the cache/.test(l)));
  t.equal(rel.downloads(), 1, "no second download");
});

t.test("the image's layout (run.sh the supervisor, the runner's own run-runner.sh) survives an update", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t);
  ageRunner(rig, 30);
  // As the Dockerfile lays it out: the runner's run.sh renamed, run.sh something else.
  renameSync(join(rig.runnerDir, "run.sh"), join(rig.runnerDir, "run-runner.sh"));
  writeFileSync(join(rig.runnerDir, "run.sh"), "#!/bin/sh\necho the supervisor stand-in\nexit 3\n", { mode: 0o755 });
  const lines = await bootAndStop(rig, updateEnv(rel));
  t.match(versionLine(lines), `Current runner version: '${LATEST}'`, "the new runner runs, through run-runner.sh");
  t.equal(readFileSync(join(rig.runnerDir, "run.sh"), "utf8"), "#!/bin/sh\necho the supervisor stand-in\nexit 3\n", "run.sh untouched");
  t.match(readFileSync(join(rig.runnerDir, "run-runner.sh"), "utf8"), /run-helper\.sh/, "run-runner.sh is the new release's run.sh");
  t.notOk(lines.some((l) => l.includes("the supervisor stand-in")), "the supervisor never ran the image's run.sh");
});

t.test("a bad checksum: one line, the installed runner boots, nothing cached", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t, { publishedSha256: "0".repeat(64) });
  ageRunner(rig, 30);
  const lines = await bootAndStop(rig, updateEnv(rel));
  t.equal(warnings(lines).length, 1, "one line");
  t.match(warnings(lines)[0], /runner update failed: checksum mismatch .*; starting the installed runner/);
  t.match(versionLine(lines), `Current runner version: '${INSTALLED}'`);
  t.same(readdirSync(rig.env.CACHE_DIR as string).filter((n) => n.includes("actions-runner")), [], "no tarball or partial file left");
});

t.test("the asset's digest is checked when the API gives one", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t, { digest: true });
  ageRunner(rig, 30);
  const lines = await bootAndStop(rig, updateEnv(rel));
  t.match(versionLine(lines), `Current runner version: '${LATEST}'`);
});

t.test("an unreachable release source: one line, the installed runner boots", async (t) => {
  const rig = await setupRig(t);
  ageRunner(rig, 30);
  const lines = await bootAndStop(rig, { RUNNER_UPDATE_AT_BOOT: "1", RUNNER_RELEASES_URL: "http://127.0.0.1:9/latest" });
  t.equal(warnings(lines).length, 1);
  t.match(warnings(lines)[0], /runner update failed: .*ECONNREFUSED.*; starting the installed runner/);
  t.match(versionLine(lines), `Current runner version: '${INSTALLED}'`);
});

t.test("no update: a young runner is not even checked; off unless RUNNER_UPDATE_AT_BOOT=1", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t);
  const young = await bootAndStop(rig, updateEnv(rel));
  t.ok(young.some((l) => new RegExp(`runner ${INSTALLED.replace(/\./g, "\\.")} is 0 days old .*: no update`).test(l)));
  t.equal(rel.lookups(), 0, "no release lookup");
  ageRunner(rig, 30);
  const off = await bootAndStop(rig, { RUNNER_RELEASES_URL: rel.url });
  t.match(versionLine(off), `Current runner version: '${INSTALLED}'`);
  t.equal(rel.lookups(), 0, "not asked without RUNNER_UPDATE_AT_BOOT");
  const maxAge = await bootAndStop(rig, { ...updateEnv(rel), RUNNER_UPDATE_MAX_AGE_DAYS: "45" });
  t.match(versionLine(maxAge), `Current runner version: '${INSTALLED}'`, "30 days is young with RUNNER_UPDATE_MAX_AGE_DAYS=45");
  t.equal(rel.lookups(), 0);
});

t.test("the installed runner is the latest: no download", async (t) => {
  const rig = await setupRig(t);
  const rel = await releases(t, { version: INSTALLED });
  ageRunner(rig, 30);
  const lines = await bootAndStop(rig, updateEnv(rel));
  t.ok(lines.some((l) => l.includes(`the latest release is ${INSTALLED}: no update`)));
  t.equal(rel.lookups(), 1);
  t.equal(rel.downloads(), 0);
});
