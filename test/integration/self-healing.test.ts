import t from "tap";
import { existsSync, readFileSync } from "node:fs";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { startSupervisor } from "../helpers/supervisor-process.ts";
import { setupRig, LABELS, REPO } from "../helpers/rig.ts";

t.test("watchdog: a fatal line in _diag/Runner_*.log -> graceful path, deregistered, exit 1", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ FAKE_RUNNER_DIAG_ERROR: "Registration was not found or is not medium trust. Trust level is low" });
  await sup.waitForLine(/Listening for Jobs/);
  await sup.waitForLine(/runner health: .*Registration was not found or is not medium trust/);
  t.equal((await sup.exited).code, 1);
  t.equal(rig.fake.runners().length, 0);
});

t.test("watchdog: a runner stuck after its registration was deleted is replaced", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ FAKE_RUNNER_STUCK_WHEN_DELETED: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  const id = rig.fake.runners()[0]?.id as number;
  t.equal(rig.fake.removeRunner(id), "removed");
  await sup.waitForLine(/runner health: /);
  t.not((await sup.exited).code, 0);
});

t.test("ci-runner health follows the state file", async (t) => {
  const rig = await setupRig(t);
  const health = async () => {
    const h = startSupervisor({ ...rig.env }, { pid1: false, args: ["health"] });
    return { code: (await h.exited).code, out: h.output() };
  };
  t.equal((await health()).code, 1, "no state file yet: unhealthy");
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  await rig.fake.waitFor(() => rig.fake.runners()[0]?.status === "online");
  // The supervisor writes "idle" right after it relays that line: wait for the file, as health reads it.
  await rig.fake.waitFor(() => existsSync(rig.stateFile) && (JSON.parse(readFileSync(rig.stateFile, "utf8")) as { state: string }).state === "idle");
  const up = await health();
  t.equal(up.code, 0);
  t.match(up.out, new RegExp(`^healthy: idle: runner ${rig.env.RUNNER_NAME} \\(id \\d+\\)`));
  sup.signal("SIGTERM");
  await sup.exited;
  const down = await health();
  t.equal(down.code, 1);
  t.match(down.out, /^unhealthy: stopped/);
});

t.test("offline cleanup, on by default, deletes only old offline runners of our pool: our prefix and our labels", async (t) => {
  const rig = await setupRig(t);
  const jit = (name: string, labels: string[]) =>
    fetch(`${rig.fake.apiUrl}/repos/${REPO}/actions/runners/generate-jitconfig`, {
      method: "POST",
      headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
      body: JSON.stringify({ name, labels, runner_group_id: 1 }),
    });
  const ours = ["self-hosted", "Linux", "X64", ...LABELS.split(",")];
  // Registered, never connected: offline, as a container killed with SIGKILL leaves it.
  // Listed (and looked at) before ours: had they counted, they would be deleted before it.
  await jit("gcpfx-gpu-dead", ["self-hosted", "Linux", "X64", "gpu-only"]); // a pool named gcpfx-gpu beside gcpfx
  await jit("other-dead", ours);
  await jit("gcpfx-dead1", ours);
  const sup = rig.start({ RUNNER_NAME: "", RUNNER_NAME_PREFIX: "gcpfx", GC_OFFLINE_AFTER_SEC: "5" });
  await sup.waitForLine(/Listening for Jobs/);
  await sup.waitForLine(/offline cleanup: deleted runner gcpfx-dead1/);
  const names = rig.fake.runners().map((r) => r.name).sort();
  t.notOk(names.includes("gcpfx-dead1"));
  t.ok(names.includes("other-dead"), "another prefix is never touched");
  t.ok(names.includes("gcpfx-gpu-dead"), "nor our prefix with other labels (another pool)");
  t.ok(names.some((n) => /^gcpfx-/.test(n) && n !== "gcpfx-gpu-dead"), "ourselves still registered");
  t.equal(rig.fake.requests().filter((r) => r.method === "DELETE").length, 1, "one DELETE in all");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("RUNNER_GC_OFFLINE=0 turns the offline cleanup off", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_GC_OFFLINE: "0", GC_OFFLINE_AFTER_SEC: "5" });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  // The whole list (pages), not a look-up by name (deregistration may make one).
  const lists = rig.fake.requests().filter((r) => r.method === "GET" && /\/actions\/runners\?/.test(r.path) && !/[?&]name=/.test(r.path));
  t.same(lists.map((r) => r.path), [], "the runner list was never read");
});

t.test("BTIME: a periodic uptime line and the state file's uptime section", async (t) => {
  const rig = await setupRig(t);
  const btime = Math.floor(Date.now() / 1000) - 3600;
  const sup = rig.start({ BTIME: String(btime), UPTIME_REPORT_INTERVAL_SEC: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  const line = await sup.waitForLine(/uptime: instance \d+ s, container started \d+ s after the host booted, runner booted in \d+ s/);
  t.match(line, /instance 36\d\d s/);
  // The state file follows the line within its write interval: wait for the file, not for a guess of that.
  const uptimeSection = () => (JSON.parse(readFileSync(rig.stateFile, "utf8")) as { sections: { uptime?: Record<string, number> } }).sections.uptime;
  const section = await rig.fake.waitFor(() => {
    const u = uptimeSection();
    return u?.RunnerBootSec !== undefined ? u : undefined;
  });
  t.ok((section.InstanceUptimeSec ?? 0) >= 3600 && (section.RunnerBootSec ?? -1) >= 0, JSON.stringify(section));
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});
