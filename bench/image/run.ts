// npm run bench:image — what the image costs: its size, the time from
// `docker run` to "Listening for Jobs" against a minimal bash entrypoint
// (same base, same fake runner: token, config.sh, run.sh only) and against
// the same three steps in a Node script run by the image's Node (the floor
// for any Node PID 1), and the supervisor's resident memory (BENCH_IDLE_MS:
// again after idling that long) beside its Node's own. Needs root (a Docker
// engine, see sandbox.md).
import { execFileSync } from "node:child_process";
import { FAKE_PAT } from "../../test/fakes/github/fake-github.ts";
import { docker, IMAGE } from "../../test/e2e/helpers/docker.ts";
import { startGatewayFake } from "../../test/e2e/helpers/gateway-fake.ts";
import { LABEL, REPO } from "../../test/e2e/helpers/runner-env.ts";
import { containerTimeline, MARKS, type Timeline } from "./container-timeline.ts";
import { buildMinimalImage } from "./minimal-image.ts";
import { buildMinimalNodeImage } from "./minimal-node-image.ts";
import { rssMb, timeToListening, type Start } from "./time-to-listening.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** How long the last start of ours idles before its memory is read again (0: only right after listening). */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 0);
const say = (m: string) => process.stdout.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

const cleanups: (() => unknown)[] = [];
try {
  const root = new URL("../..", import.meta.url).pathname;
  const tarball = process.env.BENCH_RUNNER_TARBALL ??
    execFileSync("bash", [`${root}scripts/e2e-images.sh`], { stdio: ["ignore", "pipe", "inherit"] }).toString().trim();
  const minimal = await buildMinimalImage(tarball);
  const minimalNode = await buildMinimalNodeImage(IMAGE);
  const { fake, url } = await startGatewayFake({ teardown: (fn) => cleanups.push(fn) });
  const env = { GH_URL: url, GH_REPOSITORY: REPO, GH_LABELS: LABEL, GH_TOKEN: FAKE_PAT };

  const size = async (image: string) => Number((await docker(["image", "inspect", "-f", "{{.Size}}", image])).stdout.trim());
  const node = (await docker(["run", "--rm", "--entrypoint", "/opt/ci-runner/node", IMAGE, "--version"])).stdout.trim();
  say(`image size: ${IMAGE} ${mb(await size(IMAGE))} (its Node ${node}), minimal baseline ${mb(await size(minimal))}`);

  const images = [IMAGE, minimal, minimalNode];
  const label: Record<string, string> = { [IMAGE]: "ours", [minimal]: "minimal", [minimalNode]: "minimal node" };
  const times: Record<string, number[]> = Object.fromEntries(images.map((i) => [i, []]));
  const timelines: Record<string, Timeline[]> = Object.fromEntries(images.map((i) => [i, []]));
  let ours: Start | undefined;
  let floorNode: Start | undefined;
  // One unmeasured start each warms the page cache; then the order rotates to share the machine's noise.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const image of images.map((_, i) => images[(i + round) % images.length] as string)) {
      const start = await timeToListening(image, env);
      if (round > 0) times[image]?.push(start.seconds);
      if (round > 0) timelines[image]?.push(await containerTimeline(start.name));
      if (image === IMAGE && round === ROUNDS) ours = start;
      else if (image === minimalNode && round === ROUNDS) floorNode = start;
      else await docker(["rm", "-f", start.name], { check: false });
    }
  }
  const med = (image: string) => median(times[image] ?? []);
  say(`docker run -> "Listening for Jobs", median of ${ROUNDS}: ${IMAGE} ${med(IMAGE).toFixed(2)} s, minimal bash entrypoint ${med(minimal).toFixed(2)} s, minimal Node entrypoint ${med(minimalNode).toFixed(2)} s`);
  say(`  ratio ours/minimal: ${(med(IMAGE) / med(minimal)).toFixed(2)}x (goal <= 1.0x)`);
  say(`  ratio minimal node/minimal: ${(med(minimalNode) / med(minimal)).toFixed(2)}x (Node's own start against bash and curl)`);
  say(`  ratio ours/minimal node: ${(med(IMAGE) / med(minimalNode)).toFixed(2)}x (what the supervisor adds to a Node PID 1)`);
  // Per round, each image's start against the bash baseline's in the same round: the spread the medians hide.
  const perRound = (image: string) => (times[image] ?? []).map((s, i) => s / ((times[minimal] ?? [])[i] ?? NaN));
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}x`;
  say(`  per round against minimal: ours ${spread(perRound(IMAGE))}, minimal node ${spread(perRound(minimalNode))}`);
  say(`  all runs: ${images.map((i) => `${label[i]} ${times[i]?.map((s) => s.toFixed(2)).join(" ")}`).join("; ")}`);

  // Inside the container, from PID 1's exec: where the difference is (the minimal images print no line of their
  // own before config.sh's, so their first line is config.sh's, after the token).
  say(`inside the container, ms from PID 1's exec (State.StartedAt) to each line (docker logs -t), median of ${ROUNDS}:`);
  say(`  ${"".padEnd(40)}${images.map((i) => (label[i] as string).padStart(14)).join("")}`);
  for (const [mark] of MARKS) {
    const at = (image: string) => {
      const xs = (timelines[image] ?? []).map((tl) => tl[mark]).filter((x): x is number => x !== undefined);
      return xs.length ? median(xs).toFixed(0) : "-";
    };
    say(`  ${mark.padEnd(40)}${images.map((i) => at(i).padStart(14)).join("")}`);
  }

  if (floorNode) cleanups.push(() => docker(["rm", "-f", (floorNode as Start).name], { check: false }));
  if (ours) {
    cleanups.push(() => docker(["rm", "-f", ours.name], { check: false }));
    // Beside ours, the minimal Node entrypoint's PID 1 after the same three steps: the floor for any Node PID 1.
    const rss = async () => `${(await rssMb(ours.name, 1)).toFixed(1)} MB` +
      (floorNode ? ` (minimal node's PID 1: ${(await rssMb(floorNode.name, 1)).toFixed(1)} MB)` : "");
    say(`supervisor (PID 1) RSS while listening: ${await rss()}`);
    if (IDLE_MS > 0) {
      // A wait, not a synchronisation: what is measured is the memory after this long idle (V8's memory reducer).
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      say(`  after ${IDLE_MS / 1000} s more of idling: ${await rss()}`);
    }
    // Node's own floor in the same image: a process of its Node at its first statement, after the same idle wait.
    const floor = await docker(["run", "--rm", "--entrypoint", "/opt/ci-runner/node", IMAGE, "-e",
      `setTimeout(() => console.log(/VmRSS:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]), ${Math.max(IDLE_MS, 1000)})`]);
    say(`  the image's Node alone (node -e, idle as long): ${(Number(floor.stdout.trim()) / 1024).toFixed(1)} MB`);
  }
  say(`(${fake.runners().length} runner registrations left on the fake, removed with it)`);
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
