// What goes wrong around the controller: lost deliveries, runners that
// never serve, a crash mid-burst. Each ends with every job served once and
// nothing left behind.
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import type { FakePull } from "../fakes/docker/fake-engine.ts";
import { startControllerRig, type ControllerRig } from "../helpers/controller-rig.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";

/** Waits until every job completed, then until no container and no registration is left. */
async function allServed(rig: ControllerRig, ids: number[], timeoutMs = HANG_GUARD_MS) {
  const jobs = await rig.gh.waitFor(() => {
    const list = ids.map((id) => rig.gh.job(id));
    return list.every((j) => j?.status === "completed") && list;
  }, timeoutMs);
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  return jobs;
}

t.test("a delivery GitHub never sent: reconciliation finds the job and serves it", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1" });
  rig.hook.drop((action) => action === "queued");
  const [id] = rig.queueMatrix(1) as [number];
  await rig.waitForLine(new RegExp(`job ${id} \\(octo/hello, run \\d+\\) queued \\(found by reconciliation: no delivery announced it\\): 1 pending`));
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded");
  t.equal(rig.engine.containers.size, 1, "one runner");
  t.ok(
    rig.gh.requests().some((r) => /\/repos\/octo\/hello\/actions\/runs\?.*status=queued/.test(r.path)),
    "it asked for the queued runs",
  );
});

t.test("lost in_progress and completed deliveries: the job stops counting at the next reconciliation", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1", RUNNER_IDLE_GRACE_SEC: "0" });
  rig.hook.drop((action) => action !== "queued");
  const [id] = rig.queueMatrix(1) as [number];
  await rig.waitForLine(new RegExp(`job ${id} \\(octo/hello\\) is no longer queued on GitHub`));
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  t.equal(rig.gh.job(id)?.conclusion, "Succeeded");
  t.equal((rig.running.controller.health() as { pending: number }).pending, 0, "not pending any more");
  // Its runner said it took a job that no delivery named: that job was not counted again meanwhile.
  t.equal(rig.engine.containers.size, 1, "no second runner for the served job");
});

t.test("a listing of GitHub's queue that misses a job once: the next one shows it queued, and it is served", async (t) => {
  const rig = await startControllerRig(t, { MAX_RUNNERS: "1", RECONCILE_INTERVAL_SEC: "1" });
  const [first] = rig.queueMatrix(1, { hold: true }) as [number];
  await rig.gh.waitFor(() => rig.gh.job(first)?.status === "in_progress");
  // At the cap: the second job waits for the slot, counted pending.
  const [second] = rig.queueMatrix(1) as [number];
  await rig.waitForLine(new RegExp(`job ${second} \\(octo/hello, run \\d+\\) queued: 1 pending`));
  // One listing without it (runs of a page that shifted while it was read, a replica behind): both runs lists, once.
  rig.gh.fault({ method: "GET", path: /\/actions\/runs$/, status: 200, times: 2, body: { total_count: 0, workflow_runs: [] } });
  await rig.waitForLine(new RegExp(`job ${second} \\(octo/hello\\) is no longer queued on GitHub`));
  await rig.waitForLine(new RegExp(`job ${second} \\(octo/hello, run \\d+\\) queued again on GitHub \\(an earlier listing of its queue missed it\\): counted again: 1 pending`));
  rig.gh.releaseJob(first);
  const jobs = await allServed(rig, [first, second]);
  t.ok(jobs.every((j) => j?.conclusion === "Succeeded"), "both served");
  t.equal(rig.engine.containers.size, 2, "one runner each");
});

t.test("a runner that finishes its job while reconciliation lists the containers: not adopted again, no failure reported", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1" });
  const [id] = rig.queueMatrix(1, { hold: true }) as [number];
  await rig.gh.waitFor(() => rig.gh.job(id)?.status === "in_progress");
  const list = rig.engine.list.bind(rig.engine);
  let listings = 0;
  let nextListing!: () => void;
  const next = new Promise<void>((resolve) => (nextListing = resolve));
  rig.engine.list = async (controllerId) => {
    const listing = await list(controllerId);
    if (++listings > 1) nextListing();
    else {
      // The listing shows the busy runner's container; its job ends and the container goes before the answer is read.
      rig.gh.releaseJob(id);
      await rig.waitForLine(/runner \S+ removed: finished its job/);
    }
    return listing;
  };
  // The reconciliation after it: the one with the late listing is over.
  await next;
  const log = rig.lines.join("\n");
  t.notMatch(log, /adopted runner/, "the container that went meanwhile is not adopted");
  t.notMatch(log, /before taking a job/, "nor reported as a runner that failed");
  t.equal(rig.engine.containers.size, 1, "one runner in all");
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
});

t.test("a runner image that exits at once: removed with its registration, replaced, the job still served", async (t) => {
  const rig = await startControllerRig(t);
  let starts = 0;
  rig.engine.behavior = () => (++starts === 1 ? "exit-at-once" : "runner");
  const [id] = rig.queueMatrix(1) as [number];
  const line = await rig.waitForLine(/runner \S+ removed: exited with code 1 before taking a job; its last lines: .*the runner image is broken/);
  t.match(line, / error: /, "an error line");
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded", "served by the replacement");
  t.equal(rig.engine.containers.size, 2);
});

t.test("a runner not listening within RUNNER_BOOT_TIMEOUT_SEC: removed and replaced", async (t) => {
  const rig = await startControllerRig(t, { RUNNER_BOOT_TIMEOUT_SEC: "1" });
  let starts = 0;
  rig.engine.behavior = () => (++starts === 1 ? "never-listens" : "runner");
  const [id] = rig.queueMatrix(1) as [number];
  await rig.waitForLine(/runner \S+: not listening for jobs 1 s after its start \(RUNNER_BOOT_TIMEOUT_SEC\): removing it/);
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded");
  t.match(rig.lines.join("\n"), /deregistered runner/, "its registration was removed");
});

t.test("a container creation slower than RUNNER_BOOT_TIMEOUT_SEC (a hung engine): given up with one line, replaced, the job served", async (t) => {
  const rig = await startControllerRig(t, { RUNNER_BOOT_TIMEOUT_SEC: "1" });
  const release = rig.engine.hold();
  const [id] = rig.queueMatrix(1) as [number];
  await rig.waitForLine(/starting runner \S+ failed: its container was not created within RUNNER_BOOT_TIMEOUT_SEC=1 s \(a hung Docker engine\?\)/);
  t.equal(rig.engine.containers.size, 0, "nothing was created for it");
  release();
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded", "served by a replacement");
  t.match(rig.lines.join("\n"), /deregistered runner/, "the given-up runner's registration was removed");
  t.match(rig.running.controller.health(), { runners: { starting: 0, idle: 0, busy: 0, stopping: 0 } }, "no runner left starting forever");
});

t.test("a runner container whose removal is never reported: removed by reconciliation, its slot freed, nothing left", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1", MAX_RUNNERS: "1" });
  // The first container stays when it exits, and its wait never answers (a removal lost in a race with another
  // client's): it holds the only slot until the controller removes it.
  const first = new Set<string>();
  rig.engine.removalUnreported = (spec) => first.size === 0 && first.add(spec.name).size === 1;
  const ids = rig.queueMatrix(2);
  const line = await rig.waitForLine(/runner \S+: its container \S+ ended but still there at two listings \d+ s apart \(its removal was never reported\): removing it/);
  t.match(line, new RegExp(`runner ${[...first][0]}:`), "the runner whose container stayed");
  const jobs = await allServed(rig, ids);
  t.ok(jobs.every((j) => j?.conclusion === "Succeeded"), "both jobs served, the second once the slot was free");
  t.equal(rig.engine.containers.size, 2, "one runner per job");
  t.equal(rig.engine.alive().length, 0, "no container left");
});

t.test("a runner whose exit is never reported (its container vanished unseen): reconciliation ends it as its exit would have", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1", MAX_RUNNERS: "1" });
  const first = new Set<string>();
  rig.engine.exitUnseen = (spec) => first.size === 0 && first.add(spec.name).size === 1;
  const ids = rig.queueMatrix(2);
  const gone = await rig.waitForLine(/runner \S+: its container \S+ is gone/);
  const name = [...first][0] as string;
  t.match(gone, `runner ${name}: `, "the runner whose exit was never reported");
  const line = await rig.waitForLine(new RegExp(`runner ${name} removed: `));
  t.match(line, /removed: finished its job and exited unseen \(its container is gone\)$/, "ended by what it had done: its job");
  const jobs = await allServed(rig, ids);
  t.ok(jobs.every((j) => j?.conclusion === "Succeeded"), "both jobs served, the second once its slot was free");
  const metrics = await (await fetch(rig.url.replace("/webhook", "/metrics"))).text();
  t.match(metrics, /^ci_runner_controller_runners_removed_total\{reason="job_done"\} 2$/m, "both runners counted as done with their job");
});

t.test("a runner image that exits at once, unseen: counted as a failed start (the next start waits), removed with its registration", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1" });
  let starts = 0;
  rig.engine.behavior = () => (++starts === 1 ? "exit-at-once" : "runner");
  rig.engine.exitUnseen = () => starts === 1;
  const [id] = rig.queueMatrix(1) as [number];
  const line = await rig.waitForLine(/runner \S+ removed: exited unseen \(its container is gone\) before taking a job/);
  t.match(line, / error: /, "an error line");
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded", "served by the replacement");
  const metrics = await (await fetch(rig.url.replace("/webhook", "/metrics"))).text();
  t.match(metrics, /^ci_runner_controller_runners_removed_total\{reason="failed"\} 1$/m, "the vanished one counted as failed");
});

t.test("an image pull longer than RUNNER_BOOT_TIMEOUT_SEC that keeps making progress: one pull for both launches, it completes, the runners start", async (t) => {
  // The stall window is far off, so only the boot timeout could cut the pull here; that the stall window
  // restarts at each progress message is the unit test's (test/unit/pull-image.test.ts, on a test clock).
  const rig = await startControllerRig(t, { RUNNER_BOOT_TIMEOUT_SEC: "1", RUNNER_PULL_STALL_SEC: "600" });
  rig.engine.missingImages.add("ci-runner:ephemeral-fake");
  const ids = rig.queueMatrix(2);
  const [pull] = (await once(rig.engine, "pull")) as [FakePull];
  await rig.gh.waitFor(() => rig.lines.filter((l) => / starting runner /.test(l)).length === 2);
  // A big layer on a slow link: progress, and the pull outlasts the boot timeout (a sleep is a lower bound).
  for (let i = 0; i < 3; i++) {
    pull.progress();
    await sleep(600);
  }
  t.notOk(pull.signal.aborted, "the pull was not given up while it made progress");
  pull.done();
  const jobs = await allServed(rig, ids);
  t.ok(jobs.every((j) => j?.conclusion === "Succeeded"), "both jobs served");
  t.equal(rig.engine.pulls.length, 1, "the two launches shared one pull");
  t.notMatch(rig.lines.join("\n"), /failed/, "no launch failed");
});

t.test("an image pull that goes silent: given up after RUNNER_BOOT_TIMEOUT_SEC without progress, one line naming the image; the next attempt serves", async (t) => {
  const rig = await startControllerRig(t, { RUNNER_BOOT_TIMEOUT_SEC: "1" });
  rig.engine.missingImages.add("ci-runner:ephemeral-fake");
  const [id] = rig.queueMatrix(1) as [number];
  const [pull] = (await once(rig.engine, "pull")) as [FakePull];
  const line = await rig.waitForLine(/starting runner \S+ failed: /);
  t.match(line, / error: starting runner \S+ failed: pulling image ci-runner:ephemeral-fake made no progress for 1 s \(RUNNER_BOOT_TIMEOUT_SEC\): given up$/);
  t.ok(pull.signal.aborted, "its request was aborted (the engine cancels the pull)");
  rig.engine.on("pull", (next: FakePull) => next.done());
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded", "served once a pull got through");
  t.equal(rig.lines.filter((l) => /made no progress/.test(l)).length, 1, "one line for the silent pull");
});

t.test("a restart: a runner running a job, older than RUNNER_BOOT_TIMEOUT_SEC, whose output Docker replays a moment later, is adopted busy, not removed", async (t) => {
  const rig = await startControllerRig(t, { RUNNER_BOOT_TIMEOUT_SEC: "5" });
  const [id] = rig.queueMatrix(1, { hold: true }) as [number];
  await rig.gh.waitFor(() => rig.gh.job(id)?.status === "in_progress");
  const [container] = rig.engine.alive();
  (container as { createdAt: number }).createdAt -= 600_000; // started ten minutes ago
  // As Docker's logs stream: the replay comes with the answer to a request, after the call (20 ms: the due
  // times of the timers, not the machine's speed, order it after a timer of 0 and before one of 5 s).
  const follow = rig.engine.follow.bind(rig.engine);
  rig.engine.follow = (containerId, watcher) => {
    let unwatch = (): void => {};
    setTimeout(() => (unwatch = follow(containerId, watcher)), 20);
    return () => unwatch();
  };
  await rig.crashAndRestart();
  await rig.waitForLine(/adopted runner \S+ \(container \w+, started 600 s ago\)/);
  rig.gh.releaseJob(id);
  const [job] = await allServed(rig, [id]);
  t.equal(job?.conclusion, "Succeeded", "its job ran to its end");
  t.notMatch(rig.lines.join("\n"), /not listening for jobs/, "not taken for a runner that never listened");
  await rig.waitForLine(/runner \S+ removed: finished its job/);
});

t.test("a crash mid-burst and a restart: no job lost, none run twice, nothing left", async (t) => {
  const rig = await startControllerRig(t, { MAX_RUNNERS: "3" });
  const ids = rig.queueMatrix(30, { durationMs: 50 });
  // Mid-burst: some jobs done, runners busy and starting, jobs still pending.
  await rig.gh.waitFor(() => ids.filter((id) => rig.gh.job(id)?.status === "completed").length >= 5);
  // Deliveries sent while it is down fail and are never retried, as on GitHub.
  await rig.crashAndRestart();
  await rig.waitForLine(/state of .* restored: \d+ pending job\(s\)/);
  const jobs = await allServed(rig, ids);
  t.ok(jobs.every((j) => j?.conclusion === "Succeeded"), "every job succeeded");
  t.equal(new Set(jobs.map((j) => j?.runnerName)).size, 30, "each job ran once, on a runner of its own");
  t.ok(rig.engine.peak <= 3, `never more than MAX_RUNNERS containers (peak ${rig.engine.peak})`);
  t.ok(rig.engine.containers.size <= 30 + 3, `no runner started twice for the same demand (${rig.engine.containers.size} containers for 30 jobs)`);
});

t.test("a credential without \"Actions: read\": one warning naming that permission, /health degraded, and back to ok once it works", async (t) => {
  const rig = await startControllerRig(t, { RECONCILE_INTERVAL_SEC: "1" });
  const runsLists = () => rig.gh.requests().filter((r) => /\/actions\/runs\?/.test(r.path)).length;
  const healthy = () => rig.running.controller.health() as { status: string; last_reconcile_error: string | null };
  const clear = rig.gh.fault({ path: /\/actions\/runs$/, status: 403 });
  const line = await rig.waitForLine(/ warning: reconciliation: GitHub queued jobs: listing the queued jobs of octo\/hello failed: /);
  t.match(line, /"Actions: read"/, "names the permission the lists need");
  t.notMatch(line, /Administration/, "not the runner administration one");
  const seen = runsLists();
  await rig.gh.waitFor(() => runsLists() >= seen + 3);
  t.equal(rig.lines.filter((l) => /listing the queued jobs of octo\/hello failed/.test(l)).length, 1, "one line, not one per reconciliation");
  t.equal(healthy().status, "degraded");
  t.match(healthy().last_reconcile_error, /"Actions: read"/);
  clear();
  await rig.waitForLine(/ reconciliation: works again/);
  await rig.gh.waitFor(() => healthy().status === "ok");
  t.equal(healthy().last_reconcile_error, null);
});
