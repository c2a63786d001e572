// Stopping a runner never cancels its job: `compose stop` during a job lets
// it succeed, then deregisters. A SIGKILL cannot deregister: the runner
// stays registered, offline, until the offline cleanup removes it.
import { readFileSync } from "node:fs";
import t from "tap";
import { ComposeProject } from "./helpers/compose-project.ts";
import { runContainer } from "./helpers/container.ts";
import { containerExitCode, docker, IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

t.test("stop during a job: the job succeeds, then the runner is gone", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "stop", runnerEnv(url));
  await project.compose(["up", "-d", "ci-runner"]);
  const [name] = await waitUntil("the runner online", () => {
    const online = onlineRunners(fake);
    return online.length === 1 ? online : undefined;
  });
  const [id] = await project.containers("ci-runner");

  // Held: the job ends when the test releases it, once the drain has found it running.
  const job = queueJob(fake, { name: "long", run: "echo started; echo finished", hold: true });
  await waitUntil("the job running", () => fake.job(job)?.status === "in_progress");
  // compose's stop_grace_period (10m) applies: this waits for the drain.
  const stopped = project.compose(["stop", "ci-runner"]);
  await waitUntil("GitHub refusing to delete the busy runner (422)", () =>
    fake.requests().some((r) => r.method === "DELETE" && /\/actions\/runners\/\d+$/.test(r.path) && r.status === 422),
  );
  t.equal(fake.job(job)?.status, "in_progress", "the job still runs while the runner drains");
  fake.releaseJob(job);
  await stopped;

  const done = await jobDone(fake, job);
  t.equal(done.conclusion, "Succeeded", "the job was not cancelled");
  t.match(done.log, /started\s+finished/, "the job ran to its end");
  t.same(fake.runners().map((r) => r.name), [], `runner ${name} is deregistered`);
  t.equal(await containerExitCode(id as string), 143, "exit code 128 + SIGTERM");
  // Server-side order: the runner may print its "completed" line after reporting it.
  const reqs = fake.requests();
  const reported = reqs.find((r) => new RegExp(`/jobs/${job}/complete$`).test(r.path) && r.status === 200);
  const deleted = reqs.find((r) => r.method === "DELETE" && /\/actions\/runners\/\d+$/.test(r.path) && r.status === 204);
  t.ok(reported && deleted && deleted.time >= reported.time, "deregistered only after the job's completion was reported");
  t.match(await project.logs("ci-runner"), /deregistered runner/);
});

/**
 * Until the container's PID 1 catches SIGTERM (SigCgt, read on the host): Node's own startup handler does within
 * milliseconds of exec. Before it the kernel drops the signal to a PID 1 without a handler, which nothing in the
 * image can change (README "PID 1"); under load that window outlasted `docker stop`'s start and the test failed
 * on the machine's speed, not on the supervisor.
 */
async function catchesSigterm(id: string): Promise<void> {
  const pid = (await docker(["inspect", "-f", "{{.State.Pid}}", id])).stdout.trim();
  await waitUntil(
    `PID 1 of ${id.slice(0, 12)} (pid ${pid}) catching SIGTERM`,
    () => {
      const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
    },
    { intervalMs: 1 },
  );
}

t.test("docker stop the moment a container starts is not lost: exit 143, not SIGKILL", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  // Compose down while a `restart: always` runner comes back sends SIGTERM
  // before Node has run a line of the bundle; as PID 1 a lost one means waiting out the grace period.
  for (let i = 1; i <= 3; i++) {
    const id = await runContainer(t, { image: IMAGE, env: runnerEnv(url, true) });
    await catchesSigterm(id);
    await docker(["stop", "-t", "60", id]);
    t.equal(await containerExitCode(id), 143, `run ${i}: exit 128 + SIGTERM (137 would be the SIGKILL after 60 s)`);
  }
  t.same(fake.runners().map((r) => r.name), [], "nothing left registered");
});

t.test("SIGKILL leaves one offline registration; the offline cleanup removes it", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  // GC_OFFLINE_AFTER_SEC is the smallest the supervisor allows, to keep the test short.
  const project = ComposeProject.create(t, "kill", { ...runnerEnv(url), RUNNER_GC_OFFLINE: "1", GC_OFFLINE_AFTER_SEC: "5" });
  await project.compose(["up", "-d", "ci-runner"]);
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);
  await project.compose(["kill", "-s", "SIGKILL", "ci-runner"]);

  const [killed] = await waitUntil("the killed runner to go offline", () => {
    const all = fake.runners();
    return all.length === 1 && all[0]?.status === "offline" ? all : undefined;
  });
  t.ok(killed, `one registration left, offline: ${killed?.name}`);

  t.test("a new runner of the pool removes it", async (t) => {
    // The killed container is removed, so that only the cleanup (not a restart
    // under the same name) can make the registration go away.
    await project.compose(["rm", "-f", "ci-runner"]);
    await project.compose(["up", "-d", "ci-runner"]);
    const [fresh] = await waitUntil("a new runner online", () => {
      const online = onlineRunners(fake);
      return online.length === 1 && online[0] !== killed?.name ? online : undefined;
    });
    await waitUntil("the offline registration removed", () => !fake.runners().some((r) => r.id === killed?.id));
    t.same(fake.runners().map((r) => r.name), [fresh], `only the new runner ${fresh} is registered`);
  });
});
