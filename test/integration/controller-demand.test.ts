// The controller's demand model against the fake GitHub (deliveries signed
// like GitHub's) and the fake engine: what runs, how many, and what is
// left at the end.
import t from "tap";
import { LABEL, startControllerRig } from "../helpers/controller-rig.ts";

t.test("one queued job: one runner, the job runs on it, nothing left", async (t) => {
  const rig = await startControllerRig(t);
  const [id] = rig.queueMatrix(1) as [number];
  const job = await rig.gh.waitFor(() => rig.gh.job(id)?.status === "completed" && rig.gh.job(id));
  t.equal(job.conclusion, "Succeeded");
  t.match(job.runnerName, /^ci-runner-[0-9a-f]{8}-[0-9a-f]{8}$/, "a runner of the controller's name space");
  await rig.waitForLine(/runner \S+ removed: finished its job/);
  t.equal(rig.engine.containers.size, 1, "one container was started");
  t.equal(rig.engine.alive().length, 0, "none is left");
  t.same(rig.gh.runners(), [], "no registration is left");
  const [c] = [...rig.engine.containers.values()];
  t.notOk(Object.values(c?.spec.env ?? {}).some((v) => v.includes(c?.jitConfig ?? "-")), "the JIT config is not in the environment");
  await rig.hook.settled();
  t.match(rig.hook.deliveries().map((d) => [d.action, d.status]), [[undefined, 200], ["queued", 202], ["in_progress", 202], ["completed", 202]]);
});

t.test("a 256-job matrix with MAX_RUNNERS=4: every job served once, never more than 4 containers", async (t) => {
  const rig = await startControllerRig(t, { MAX_RUNNERS: "4" });
  const ids = rig.queueMatrix(256);
  const done = await rig.gh.waitFor(() => {
    const jobs = ids.map((id) => rig.gh.job(id));
    return jobs.every((j) => j?.status === "completed") && jobs;
  }, 120_000);
  t.ok(done.every((j) => j?.conclusion === "Succeeded"), "every job succeeded");
  t.equal(new Set(done.map((j) => j?.runnerName)).size, 256, "each on a runner of its own (one job per runner)");
  t.ok(rig.engine.peak <= 4, `at most 4 containers existed at once (peak ${rig.engine.peak})`);
  t.equal(rig.engine.peak, 4, "the cap was used");
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  t.equal(rig.engine.containers.size, 256, "no runner more than the jobs");
  t.match(rig.lines.join("\n"), /MAX_RUNNERS=4 reached: \d+ pending job\(s\) wait for a runner to finish \(none is dropped\)/);
});

t.test("duplicates, redeliveries and a re-sent completed change nothing", async (t) => {
  const rig = await startControllerRig(t);
  const [id] = rig.queueMatrix(1) as [number];
  await rig.gh.waitFor(() => rig.gh.job(id)?.status === "completed");
  await rig.waitForLine(/removed: finished its job/);
  await rig.hook.settled();
  const before = rig.engine.containers.size;
  for (const d of rig.hook.deliveries().filter((d) => d.jobId === id)) {
    await rig.hook.redeliver(d.guid);
    await rig.hook.redeliver(d.guid);
  }
  const redeliveries = rig.hook.deliveries().filter((d) => d.redelivery);
  t.equal(redeliveries.length, 6);
  t.ok(redeliveries.every((d) => d.status === 200), "each redelivery answered 200 (duplicate)");
  const health = rig.running.controller.health() as { pending: number; runners: Record<string, number> };
  t.equal(health.pending, 0, "no count drift");
  t.same(health.runners, { starting: 0, idle: 0, busy: 0, stopping: 0 });
  t.equal(rig.engine.containers.size, before, "no extra runner");
});

t.test("a job cancelled while queued, its completed delivered before its queued: nothing starts", async (t) => {
  const rig = await startControllerRig(t);
  const release = rig.hook.hold();
  const [id] = rig.queueMatrix(1) as [number];
  rig.gh.cancelJob(id);
  await release("reversed");
  t.same(
    rig.hook.deliveries().filter((d) => d.jobId === id).map((d) => [d.action, d.status]),
    [["completed", 202], ["queued", 200]],
    "completed accepted, the late queued a duplicate",
  );
  t.equal((rig.running.controller.health() as { pending: number }).pending, 0);
  t.equal(rig.engine.containers.size, 0, "no runner started");
});

t.test("with a repository scope, another repository's job (an organization's webhook) starts nothing", async (t) => {
  const rig = await startControllerRig(t);
  const other = rig.gh.queueJob({ labels: [LABEL], repository: "octo/other" });
  await rig.hook.settled();
  t.same(rig.hook.deliveries().filter((d) => d.jobId === other).map((d) => d.status), [200], "acknowledged");
  await rig.waitForLine(new RegExp(`job ${other} is for octo/other, and these runners are registered to octo/hello: not ours`));
  t.equal(rig.engine.containers.size, 0, "no runner started");
  t.equal((rig.running.controller.health() as { pending: number }).pending, 0, "not counted as demand");
});

t.test("GitHub-hosted labels, and labels the runners lack, start nothing", async (t) => {
  const rig = await startControllerRig(t);
  const [hosted] = rig.queueMatrix(1, { labels: ["ubuntu-latest"] }) as [number];
  const [mixed] = rig.queueMatrix(1, { labels: ["self-hosted", "CTL", "gpu"] }) as [number];
  await rig.hook.settled();
  const answers = rig.hook.deliveries().filter((d) => d.jobId === hosted || d.jobId === mixed).map((d) => d.status);
  t.same(answers, [200, 200], "acknowledged, not ours");
  await rig.waitForLine(new RegExp(`job ${hosted} \\(octo/hello\\) wants \\[ubuntu-latest\\], which runners with \\[self-hosted, Linux, X64, ctl\\] do not have: not ours`));
  t.equal(rig.engine.containers.size, 0);
  t.equal((rig.running.controller.health() as { pending: number }).pending, 0);
});
