import t from "tap";
import { setupRig, LABELS } from "../helpers/rig.ts";

const labels = LABELS.split(",");

t.test("boot to Listening for Jobs; SIGTERM while idle -> deregistered, exit 143", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  const r = rig.fake.runner(rig.env.RUNNER_NAME as string);
  t.ok(r, "registered on GitHub");
  t.equal(r?.status, "online");
  t.same(r?.labels.map((l) => l.name).filter((n) => labels.includes(n)).sort(), [...labels].sort());
  sup.signal("SIGTERM");
  const { code } = await sup.exited;
  t.equal(code, 143);
  t.equal(rig.fake.runners().length, 0, "no registration left");
  t.match(sup.output(), /deregistered runner/);
});

t.test("SIGINT while idle -> exit 130", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGINT");
  t.equal((await sup.exited).code, 130);
  t.equal(rig.fake.runners().length, 0);
});

t.test("SIGTERM during a job: the job completes Succeeded, then the runner is deregistered", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  // Held: the job ends when the test says, after the drain has found it running.
  const job = rig.fake.queueJob({ labels, name: "build", hold: true });
  await sup.waitForLine(/Running job: build/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/waiting for it to finish before deregistering/);
  rig.fake.releaseJob(job);
  const { code } = await sup.exited;
  t.equal(code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners().length, 0, "no registration left");
  // Server-side order (the runner may print its "completed" line after reporting it).
  const reqs = rig.fake.requests();
  const completed = reqs.find((r) => new RegExp(`/jobs/${job}/complete$`).test(r.path) && r.status === 200);
  const deleted = reqs.find((r) => r.method === "DELETE" && /\/actions\/runners\/\d+$/.test(r.path) && r.status === 204);
  t.ok(completed && deleted && deleted.time >= completed.time, "the registration was deleted only after the job's completion was reported");
  t.ok(reqs.some((r) => r.method === "DELETE" && r.status === 422), "GitHub refused the delete while the job ran (422)");
  t.match(sup.output(), /Job build completed with result: Succeeded/);
});

t.test("second SIGTERM cancels the job and still deregisters", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  const job = rig.fake.queueJob({ labels, name: "long", hold: true });
  await sup.waitForLine(/Running job: long/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/waiting for it to finish/);
  sup.signal("SIGTERM");
  const { code } = await sup.exited;
  t.equal(code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Canceled");
  t.equal(rig.fake.runners().length, 0, "no registration left");
});

t.test("SHUTDOWN_TIMEOUT_SEC cancels a job that outlives it, then deregisters", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ SHUTDOWN_TIMEOUT_SEC: "2" });
  await sup.waitForLine(/Listening for Jobs/);
  const job = rig.fake.queueJob({ labels, name: "slow", hold: true });
  await sup.waitForLine(/Running job: slow/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/SHUTDOWN_TIMEOUT_SEC \(2 s\) reached/);
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Canceled");
  t.equal(rig.fake.runners().length, 0);
});

t.test("DEBUG_SHUTDOWN_DELAY_SEC pauses, logging each second", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ DEBUG_SHUTDOWN_DELAY_SEC: "2" });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(sup.lines.filter((l) => /DEBUG_SHUTDOWN_DELAY_SEC: \d s before deregistering/.test(l)).length, 2);
  t.equal(rig.fake.runners().length, 0);
});

t.test("the runner exiting by itself deregisters and exits non-zero", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  // The runner's whole process group dies, as on an OOM kill.
  const state = JSON.parse((await import("node:fs")).readFileSync(rig.stateFile, "utf8")) as { runnerId: number };
  t.ok(state.runnerId > 0, "state file has the runner id");
  for (const line of (await import("node:child_process")).execFileSync("pgrep", ["-f", `${rig.runnerDir}/bin/Runner.Listener`]).toString().trim().split("\n")) {
    process.kill(Number(line), "SIGKILL");
  }
  const { code } = await sup.exited;
  t.not(code, 0);
  t.match(sup.output(), /the runner exited by itself/);
  t.equal(rig.fake.runners().length, 0, "no orphaned registration");
});

t.test("GitHub 5xx at registration is retried", async (t) => {
  const rig = await setupRig(t);
  // The first 502 answers the token-prefetch phase's one early attempt, which says nothing and leaves the token to
  // the runner phase: its two failures are retried, each with a line, and the fourth request succeeds.
  rig.fake.fault({ method: "POST", path: /registration-token$/, status: 502, times: 3 });
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(sup.lines.filter((l) => /registration-token failed \(502/.test(l)).length, 2);
  t.equal(rig.fake.requests().filter((r) => r.path.endsWith("/registration-token")).length, 4, "the early attempt, two retried failures, one success");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("401 is one clear fatal line naming GH_TOKEN, exit 78, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ GH_TOKEN: "ghp_notAValidToken123456" });
  const { code } = await sup.exited;
  t.equal(code, 78);
  t.match(sup.output(), /GH_TOKEN: GitHub answered 401/);
  t.notMatch(sup.output(), /ghp_notAValidToken123456/);
  t.notMatch(sup.output(), /    at /, "no stack trace");
  t.equal(rig.fake.runners().length, 0);
});

t.test("SIGCHLD, SIGPIPE, SIGTTIN and SIGTTOU never kill it; SIGHUP and SIGQUIT drain like SIGTERM", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  // Each delivered before the next is sent: Node handles them in this order, SIGHUP last.
  for (const sig of ["SIGCHLD", "SIGPIPE", "SIGTTIN", "SIGTTOU"] as const) await sup.deliver(sig);
  t.equal(sup.child.exitCode, null, "still running");
  t.equal(rig.fake.runners()[0]?.status, "online", "still registered and online");
  await sup.deliver("SIGHUP");
  // Had any of the four started a drain, SIGHUP would be a second stop signal with that one's code.
  t.equal((await sup.exited).code, 129, "128 + SIGHUP");
  t.same(sup.lines.filter((l) => / received: /.test(l)).map((l) => l.replace(/^.* (SIG\w+) received: .*$/, "$1")), ["SIGHUP"], "SIGHUP is the only signal acted on");
  t.equal(rig.fake.runners().length, 0);

  const again = rig.start();
  await again.waitForLine(/Listening for Jobs/);
  again.signal("SIGQUIT");
  t.equal((await again.exited).code, 131, "128 + SIGQUIT");
  t.equal(rig.fake.runners().length, 0);
});

t.test("SIGTERM while Node is still starting (docker stop right after start) is not lost: exit 143, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const term = new URL("../fixtures/pid1/term-at-startup.cjs", import.meta.url).pathname;
  const sup = rig.start({}, { nodeArgs: ["--require", term] });
  const { code } = await sup.exited;
  t.equal(code, 143);
  t.match(sup.output(), /SIGTERM received: graceful shutdown/);
  t.equal(rig.fake.runners().length, 0, "no registration left");
});

t.test("an exception nothing catches (a bug) drains instead of dying: the job finishes, the runner is deregistered, exit 70", async (t) => {
  const rig = await setupRig(t);
  const bug = new URL("../fixtures/pid1/throw-on-usr2.cjs", import.meta.url).pathname;
  const sup = rig.start({}, { nodeArgs: ["--require", bug] });
  await sup.waitForLine(/Listening for Jobs/);
  const job = rig.fake.queueJob({ labels, name: "during-bug", hold: true });
  await sup.waitForLine(/Running job: during-bug/);
  sup.signal("SIGUSR2");
  await sup.waitForLine(/waiting for it to finish before deregistering/);
  rig.fake.releaseJob(job);
  t.equal((await sup.exited).code, 70);
  t.match(sup.output(), /internal error \(a bug in ci-runner, please report it\): Error: simulated bug in a callback/);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded", "the running job finished");
  t.equal(rig.fake.runners().length, 0, "no registration left");
});

t.test("the log pipe breaking (nobody reads stdout and stderr any more) does not stop the drain", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  sup.child.stdout?.destroy();
  sup.child.stderr?.destroy();
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143, "exit 128 + SIGTERM, not a crash on EPIPE");
  t.equal(rig.fake.runners().length, 0, "deregistered all the same");
});
