// `ci-runner controller` with the real Docker engine and the ephemeral
// image: runner containers per queued job, under the cap, through lost and
// duplicated deliveries, a SIGKILL and a broken boot; zero containers and
// zero registrations left each time. E2E_CONTROLLER_BURST sets the burst:
// default 32 (15-25 s here, the file about a minute on 2 cores);
// E2E_CONTROLLER_BURST=256 is the full matrix (100-230 s on this
// shared 2-core machine: each of the 64 rounds boots 4 containers). The
// 256-job matrix also runs against the fake engine in test/integration.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import t, { type Test } from "tap";
import type { FakeGitHub } from "../fakes/github/fake-github.ts";
import { LABEL_CONTROLLER } from "../../src/controller/container-engine.ts";
import { containerCensus, controllerSetup, type ContainerCensus, type ControllerProcess } from "./helpers/controller-process.ts";
import { docker } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, LABEL } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const BURST = Number(process.env.E2E_CONTROLLER_BURST ?? 32);

/** The fake at the host's gateway address: what a controller on this host and its runner containers both reach. */
async function gatewayFake(t: Test): Promise<{ fake: FakeGitHub; ghUrl: string }> {
  const { fake } = await startGatewayFake(t);
  return { fake, ghUrl: fake.url };
}

function matrix(fake: FakeGitHub, n: number, run: string): number[] {
  const runId = fake.newRunId();
  return Array.from({ length: n }, (_, i) => fake.queueJob({ labels: [LABEL], runId, name: `matrix-${i + 1}`, run: run.replaceAll("$N", String(i + 1)) }));
}

/**
 * Zero containers of the controller and zero registrations: waited for, then
 * asserted. On a timeout the failure names what was left: the census count,
 * each container Docker still lists (state and status: the census can be told
 * from the engine), each registration, and the controller's log lines about them.
 */
async function nothingLeft(t: Test, fake: FakeGitHub, census: ContainerCensus, ctl?: ControllerProcess): Promise<void> {
  await waitUntil("no runner container and no registration left", () => census.alive === 0 && fake.runners().length === 0).catch(async (e: Error) => {
    const left = fake.runners().map((r) => `${r.name} (${r.status}${r.busy ? ", busy" : ""})`);
    let detail = "";
    if (ctl) {
      const ps = await docker(["ps", "-a", "--filter", `label=${LABEL_CONTROLLER}=${ctl.id}`, "--format", "{{.Names}} {{.State}} ({{.Status}})"], { check: false });
      const names = new Set([...fake.runners().map((r) => r.name), ...ps.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0] as string)]);
      const lines = ctl.proc.output().split("\n").filter((l) => [...names].some((n) => l.includes(n)));
      detail = `; docker ps: ${ps.stdout.trim().split("\n").join(", ") || "none"}; the controller about them:\n${lines.join("\n")}`;
    }
    throw new Error(`${e.message}: ${census.alive} runner container(s) alive, registrations left: ${left.join(", ") || "none"}${detail}`);
  });
  t.equal(census.alive, 0, "zero runner containers left");
  t.same(fake.runners(), [], "zero registrations left");
}

t.test(`a burst of ${BURST} jobs with MAX_RUNNERS=4: all served, at most 4 containers, duplicates and forged deliveries change nothing`, async (t) => {
  const { fake, ghUrl } = await gatewayFake(t);
  const setup = controllerSetup(t, fake, ghUrl, { MAX_RUNNERS: "4", RUNNER_IDLE_GRACE_SEC: "2" });
  const census = containerCensus(setup.id);
  t.teardown(() => census.stop());
  const ctl = await setup.start();
  const hook = await setup.hook(ctl);
  const ids = matrix(fake, BURST, "echo matrix job $N on $(hostname)");

  // Forged and garbled deliveries meanwhile: refused, nothing started for them.
  const body = hook.deliveries().find((d) => d.action === "queued")?.body ?? "{}";
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) {
    const forged = i % 2 ? `sha256=${"0".repeat(64)}` : await sign("not-the-secret", body);
    const res = await fetch(ctl.url, { method: "POST", body: i % 3 ? body : body.slice(0, i + 1), headers: { "x-github-event": "workflow_job", "x-hub-signature-256": forged } });
    statuses.push(res.status);
  }
  t.ok(statuses.every((s) => s === 401), "200 forged deliveries: 401 each");

  // Only a bound for a hung run, growing with the burst: each job waits for the ones before it.
  const jobs = await Promise.all(ids.map((id) => jobDone(fake, id, 60_000 + BURST * 3_000)));
  t.ok(jobs.every((j) => j.conclusion === "Succeeded"), "every job succeeded");
  t.equal(new Set(jobs.map((j) => j.runnerName)).size, BURST, "one runner per job");
  await hook.settled();
  for (const d of hook.deliveries().filter((d) => d.event === "workflow_job")) await hook.redeliver(d.guid);
  t.ok(hook.deliveries().filter((d) => d.redelivery).every((d) => d.status === 200), "every redelivery: 200, a duplicate");
  const health = (await (await fetch(ctl.url.replace("/webhook", "/health"))).json()) as { pending: number };
  t.equal(health.pending, 0, "no count drift");
  await nothingLeft(t, fake, census, ctl);
  t.ok(census.peak <= 4, `never more than 4 runner containers (peak ${census.peak})`);
  t.ok(census.created >= BURST && census.created <= BURST + 4, `${census.created} containers for ${BURST} jobs`);
  t.notMatch(ctl.proc.output(), /eyJ[A-Za-z0-9+/=]{40}/, "no JIT config in the controller's log");
  ctl.proc.signal("SIGTERM");
  t.equal((await ctl.proc.exited).code, 143);
});

t.test("the JIT config is a root-only file, not in docker inspect", async (t) => {
  const { fake, ghUrl } = await gatewayFake(t);
  // A warm runner stays idle: there is time to look at it.
  const setup = controllerSetup(t, fake, ghUrl, { WARM_RUNNERS: "1" });
  const census = containerCensus(setup.id);
  t.teardown(() => census.stop());
  const ctl = await setup.start();
  await ctl.proc.waitForLine(/is listening for jobs/, 120_000);
  const { stdout: id } = await docker(["ps", "-q", "--filter", `label=ci-runner.controller=${setup.id}`]);
  const inspect = (await docker(["inspect", id.trim()])).stdout;
  t.notMatch(inspect, /ACTIONS_RUNNER_INPUT_JITCONFIG|eyJ[A-Za-z0-9+/=]{40}/, "neither its name nor a JIT config in docker inspect");
  const file = await docker(["exec", id.trim(), "stat", "-c", "%a %U", "/run/secrets/ACTIONS_RUNNER_INPUT_JITCONFIG"]);
  t.equal(file.stdout.trim(), "400 root", "a file only root (the supervisor) reads");
  const asGuest = await docker(["exec", "-u", "guest", id.trim(), "cat", "/run/secrets/ACTIONS_RUNNER_INPUT_JITCONFIG"], { check: false });
  t.not(asGuest.code, 0, "the runner user cannot read it");
  ctl.proc.signal("SIGTERM");
  t.equal((await ctl.proc.exited).code, 143);
  await nothingLeft(t, fake, census);
});

t.test("a delivery GitHub never sent: reconciliation serves the job", async (t) => {
  const { fake, ghUrl } = await gatewayFake(t);
  const setup = controllerSetup(t, fake, ghUrl, { RECONCILE_INTERVAL_SEC: "2" });
  const census = containerCensus(setup.id);
  t.teardown(() => census.stop());
  const ctl = await setup.start();
  const hook = await setup.hook(ctl);
  hook.drop(() => true);
  const [id] = matrix(fake, 1, "echo never announced") as [number];
  await ctl.proc.waitForLine(new RegExp(`job ${id} .* queued \\(found by reconciliation`), 60_000);
  t.equal((await jobDone(fake, id, 120_000)).conclusion, "Succeeded");
  await nothingLeft(t, fake, census, ctl);
  t.equal(census.created, 1, "one runner: the job it served was not counted again while its deliveries were missing");
});

t.test("SIGKILL mid-burst, then a restart: no job lost, none twice, nothing left", async (t) => {
  const { fake, ghUrl } = await gatewayFake(t);
  const setup = controllerSetup(t, fake, ghUrl, { MAX_RUNNERS: "3", RECONCILE_INTERVAL_SEC: "5", RUNNER_IDLE_GRACE_SEC: "2" });
  const census = containerCensus(setup.id);
  t.teardown(() => census.stop());
  const first = await setup.start();
  await setup.hook(first);
  const ids = matrix(fake, 9, "sleep 2; echo job $N");
  await waitUntil("two jobs done and others running", () => {
    const jobs = ids.map((id) => fake.job(id));
    return jobs.filter((j) => j?.status === "completed").length >= 2 && jobs.some((j) => j?.status === "in_progress");
  });
  first.proc.child.kill("SIGKILL");
  await first.proc.exited;
  // Deliveries sent while it is down fail; GitHub never retries them.
  const second = await setup.start({}, first.port);
  await second.proc.waitForLine(/state of .* restored/);
  const jobs = await Promise.all(ids.map((id) => jobDone(fake, id, 300_000)));
  t.ok(jobs.every((j) => j.conclusion === "Succeeded"), "every job succeeded");
  t.equal(new Set(jobs.map((j) => j.runnerName)).size, 9, "each ran once, on a runner of its own");
  await nothingLeft(t, fake, census, second);
  t.ok(census.peak <= 3, `never more than MAX_RUNNERS containers (peak ${census.peak})`);
  second.proc.signal("SIGTERM");
  t.equal((await second.proc.exited).code, 143);
});

t.test("a runner that fails to boot: removed, replaced, the job still served", async (t) => {
  const { fake, ghUrl } = await gatewayFake(t);
  // A root hook that fails the first boot only (as DinD or a mount failing once would).
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-e2e-flaky-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "state"));
  chmodSync(join(dir, "state"), 0o777);
  const hookFile = join(dir, "entrypoint.50-flaky.sh");
  writeFileSync(hookFile, "if [ ! -e /flaky/failed-once ]; then touch /flaky/failed-once; echo 'flaky: failing this boot'; exit 3; fi\n", { mode: 0o755 });
  const setup = controllerSetup(t, fake, ghUrl, { RUNNER_VOLUMES: `${hookFile}:/root/entrypoint.50-flaky.sh:ro ${join(dir, "state")}:/flaky` });
  const census = containerCensus(setup.id);
  t.teardown(() => census.stop());
  const ctl = await setup.start();
  await setup.hook(ctl);
  const [id] = matrix(fake, 1, "echo served after a failed boot") as [number];
  const line = await ctl.proc.waitForLine(/removed: exited with code \d+ before taking a job/, 120_000);
  t.match(line, /flaky: failing this boot/, "the failed runner's last lines are in the controller's log");
  t.equal((await jobDone(fake, id, 120_000)).conclusion, "Succeeded", "served by the replacement");
  await nothingLeft(t, fake, census, ctl);
  t.equal(census.created, 2, "the broken one and its replacement");
});
