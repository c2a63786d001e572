// npm run bench:controller — `ci-runner controller` with the real Docker
// engine and the ephemeral image, against the fake GitHub: queued delivery
// to job running (cold, and with WARM_RUNNERS=1), and the webhook's answer
// time under a burst of deliveries, beside a seed-004-style baseline
// (seed004-baseline.ts) fed the same burst. Needs root (a Docker engine).
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { percentile } from "../boot/report.ts";
import { FAKE_PAT, type FakeGitHub, type FakeJob } from "../../test/fakes/github/fake-github.ts";
import { workflowJobPayload } from "../../test/fakes/github/workflow-json.ts";
import { fireBurst } from "./fire-burst.ts";
import { containerCensus, controllerSetup, WEBHOOK_SECRET } from "../../test/e2e/helpers/controller-process.ts";
import { BASE_IMAGE, docker, EPHEMERAL_IMAGE } from "../../test/e2e/helpers/docker.ts";
import { startGatewayFake } from "../../test/e2e/helpers/gateway-fake.ts";
import { LABEL } from "../../test/e2e/helpers/runner-env.ts";
import { waitUntil } from "../../test/e2e/helpers/wait-until.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const say = (m: string) => process.stdout.write(`${m}\n`);
const BASELINE_LABEL = "ci-runner-bench=seed004";

const cleanups: (() => unknown)[] = [];
const t = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

/** Seconds from each job's queued event to its start, as the fake GitHub saw them. */
function queueSeconds(fake: FakeGitHub, id: number): number {
  const job = fake.job(id);
  return (Date.parse(job?.startedAt ?? "") - Date.parse(job?.createdAt ?? "")) / 1000;
}

/** Starts a receiver script of this directory in its own process; resolves with its port once it listens. */
async function receiver(script: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(`./${script}`, import.meta.url).pathname, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => child.kill("SIGKILL"));
  return new Promise<number>((resolve) =>
    createInterface({ input: child.stdout }).on("line", (l) => {
      const m = /^listening (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    }),
  );
}

/** `rounds` jobs one after the other; with `warm`, each waits for the next warm runner first. */
async function queueToRunning(fake: FakeGitHub, ghUrl: string, warm: number): Promise<number[]> {
  const setup = controllerSetup(t, fake, ghUrl, { WARM_RUNNERS: String(warm), RUNNER_IDLE_GRACE_SEC: "5" });
  const census = containerCensus(setup.id);
  cleanups.push(() => census.stop());
  const ctl = await setup.start();
  await setup.hook(ctl);
  const listening = () => ctl.proc.lines.filter((l) => /is listening for jobs/.test(l)).length;
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (warm > 0) await waitUntil("a warm runner", () => listening() > i);
    else await waitUntil("no runner left", () => census.alive === 0);
    const id = fake.queueJob({ labels: [LABEL], name: `bench-${i}`, run: "true" });
    await waitUntil(`job ${id} done`, () => fake.job(id)?.status === "completed");
    samples.push(queueSeconds(fake, id));
  }
  ctl.proc.signal("SIGTERM");
  await ctl.proc.exited;
  await waitUntil("its runners gone", () => census.alive === 0);
  return samples;
}

/** Answer times (ms) of BURST queued deliveries of jobs of the fake, sent at once to `url`; those with no answer within 10 s apart. */
async function burst(fake: FakeGitHub, url: string): Promise<{ ms: number[]; failed: number }> {
  const runId = fake.newRunId();
  const ids = Array.from({ length: BURST }, (_, i) => fake.queueJob({ labels: [LABEL], runId, name: `burst-${i}`, run: "true" }));
  const api = `${fake.url}/api/v3`;
  const bodies = ids.map((id) => JSON.stringify(workflowJobPayload("queued", fake.job(id) as FakeJob, api, fake.url)));
  const result = await fireBurst(url, WEBHOOK_SECRET, bodies);
  // Nobody serves the rest: the receiver is stopped next.
  for (const id of ids) fake.cancelJob(id);
  return result;
}

try {
  // The images as the e2e suite builds them, unless given (E2E_EPHEMERAL_IMAGE).
  if (!process.env.E2E_EPHEMERAL_IMAGE) execFileSync("bash", [new URL("../../scripts/e2e-images.sh", import.meta.url).pathname], { stdio: ["ignore", "ignore", "inherit"] });
  const { fake } = await startGatewayFake(t);
  const ghUrl = fake.url;
  say(`bench:controller: ${ROUNDS} jobs per latency, a burst of ${BURST} deliveries; the real engine, runner image ${EPHEMERAL_IMAGE}`);

  const cold = await queueToRunning(fake, ghUrl, 0);
  const warm = await queueToRunning(fake, ghUrl, 1);

  const setup = controllerSetup(t, fake, ghUrl, { MAX_RUNNERS: "2", RUNNER_IDLE_GRACE_SEC: "1" });
  const census = containerCensus(setup.id);
  cleanups.push(() => census.stop());
  const ctl = await setup.start();
  const ours = await burst(fake, ctl.url);
  ctl.proc.signal("SIGTERM");
  await ctl.proc.exited;
  await waitUntil("its runners gone", () => census.alive === 0);

  // Cleanups run in reverse: the baseline is killed before its containers are removed.
  cleanups.push(async () => {
    const { stdout } = await docker(["ps", "-aq", "--filter", `label=${BASELINE_LABEL}`], { check: false });
    const left = stdout.split("\n").filter(Boolean);
    if (left.length) await docker(["rm", "-f", ...left], { check: false });
  });
  const baseline = await receiver("seed004-baseline.ts", ["0", WEBHOOK_SECRET, `${ghUrl}/api/v3`, FAKE_PAT, BASE_IMAGE, BASELINE_LABEL]);
  const theirs = await burst(fake, `http://127.0.0.1:${baseline}/webhook`);
  const floor = await burst(fake, `http://127.0.0.1:${await receiver("null-receiver.ts", [])}/webhook`);

  const s = (xs: number[], p: number) => (xs.length ? `${percentile(xs, p).toFixed(3)} s` : "-");
  const ms = (xs: number[], p: number) => (xs.length ? `${percentile(xs, p).toFixed(1)} ms` : "-");
  const row = (title: string, a: string, b: string, c: string) => say(`${title.padEnd(44)} ${a.padStart(22)} ${b.padStart(20)} ${c.padStart(16)}`);
  say("");
  row("", "ci-runner controller", "seed-004 baseline", "null receiver");
  row(`queued -> running, cold, p50 (${ROUNDS} jobs)`, s(cold, 50), "-", "-");
  row("queued -> running, cold, p99", s(cold, 99), "-", "-");
  row(`queued -> running, WARM_RUNNERS=1, p50`, s(warm, 50), "-", "-");
  row("queued -> running, WARM_RUNNERS=1, p99", s(warm, 99), "-", "-");
  row(`webhook answer, ${BURST}-delivery burst, p50`, ms(ours.ms, 50), ms(theirs.ms, 50), ms(floor.ms, 50));
  row("webhook answer, burst, p99", ms(ours.ms, 99), ms(theirs.ms, 99), ms(floor.ms, 99));
  row("deliveries with no answer within 10 s", `${ours.failed}/${BURST}`, `${theirs.failed}/${BURST}`, `${floor.failed}/${BURST}`);
  if (ours.ms.length && theirs.ms.length) {
    say(`ratio of the p99 answer times, baseline/ours: ${(percentile(theirs.ms, 99) / percentile(ours.ms, 99)).toFixed(0)}x (not counting the baseline's ${theirs.failed} unanswered)`);
  }
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
