// npm run bench:startup — the whole process of `ci-runner help` against the
// floor of any Node program, `node -e 0`: wall time from spawn to exit and
// peak RSS (GNU time's %M), rounds interleaved, with the size of the bundle
// that `help` and the runner's boot load. BENCH_NODE runs both on another
// node (the image's); BENCH_ROUNDS (default 30) sets the rounds.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { percentile } from "../boot/report.ts";
import { bundleLoad } from "../../test/helpers/bundle-load.ts";
import { BUNDLE, REPO_ROOT } from "../../test/helpers/supervisor-process.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const NODE = process.env.BENCH_NODE ?? process.execPath;
const GOAL = 1.15;
const TIME = "/usr/bin/time";
const say = (m: string) => process.stdout.write(`${m}\n`);

if (!existsSync(TIME)) {
  say(`bench:startup: ${TIME} is missing: apt-get install time`);
  process.exit(1);
}
if (!existsSync(BUNDLE)) {
  say(`bench:startup: ${BUNDLE} is missing: npm run build`);
  process.exit(1);
}

interface Side {
  readonly label: string;
  readonly args: readonly string[];
  readonly seconds: number[];
  readonly rssMiB: number[];
}
// An empty ES module: the floor of any ESM entry such as the bundle's (Node's ESM loader), for reading the figures.
const scratch = mkdtempSync(join(tmpdir(), "bench-startup-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(join(scratch, "empty.mjs"), "");
const sides: Side[] = [
  { label: "node -e 0", args: ["-e", "0"], seconds: [], rssMiB: [] },
  { label: "ci-runner help", args: [BUNDLE, "help"], seconds: [], rssMiB: [] },
  { label: "node empty.mjs", args: [join(scratch, "empty.mjs")], seconds: [], rssMiB: [] },
];
// As the image runs it (ENTRYPOINT, image/ci-runner), with no NODE_OPTIONS from this shell.
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** Wall time of a bare spawn (no GNU time in between), then peak RSS in a second run under GNU time. */
function measure(side: Side): void {
  const start = performance.now();
  const run = spawnSync(NODE, side.args, { env, stdio: "ignore" });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`${side.label} exited ${run.status}`);
  const timed = spawnSync(TIME, ["-f", "%M", NODE, ...side.args], { env, encoding: "utf8" });
  const kib = Number(timed.stderr.trim().split("\n").pop());
  side.seconds.push(seconds);
  side.rssMiB.push(kib / 1024);
}

const version = execFileSync(NODE, ["--version"], { env }).toString().trim();
const help = bundleLoad(join(REPO_ROOT, "dist"), ["ci-runner.js"]);
const boot = bundleLoad(join(REPO_ROOT, "dist"), ["ci-runner.js", "ci-runner-supervisor-command"]);
say(`node ${version} (${NODE}); ${ROUNDS} rounds, interleaved; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
say(`bundle read by \`help\`: ${(help.bytes / 1000).toFixed(1)} kB in ${help.files.length} files; by the runner's boot: ${(boot.bytes / 1000).toFixed(1)} kB in ${boot.files.length} files`);
for (const side of sides) measure(side); // warm-up: page cache
for (const side of sides) side.seconds.length = side.rssMiB.length = 0;
for (let i = 0; i < ROUNDS; i++) for (const side of i % 2 ? [...sides].reverse() : sides) measure(side);

const [floor, ours, esm] = sides as [Side, Side, Side];
const cell = (xs: number[], digits: number) => `${percentile(xs, 50).toFixed(digits)} / ${percentile(xs, 90).toFixed(digits)}`;
const ratio = (a: number[], b: number[]) => percentile(b, 50) / percentile(a, 50);
const row = (title: string, pick: (s: Side) => number[], digits: number) => {
  const r = ratio(pick(floor), pick(ours));
  const cells = [ours, floor, esm].map((s) => cell(pick(s), digits).padStart(16)).join(" ");
  say(`${title.padEnd(20)} ${cells} ${`${r.toFixed(2)}x`.padStart(7)} ${`${ratio(pick(floor), pick(esm)).toFixed(2)}x`.padStart(10)}  ${r <= GOAL ? "goal met" : "goal missed"} (<= ${GOAL}x)`);
};
say("");
say(`${"median / p90".padEnd(20)} ${[ours, floor, esm].map((s) => s.label.padStart(16)).join(" ")}   ratio  empty.mjs`);
row("spawn to exit (s)", (s) => s.seconds, 3);
row("peak RSS (MiB)", (s) => s.rssMiB, 1);
say(`ratio: ${ours.label} over ${floor.label}; empty.mjs: ${esm.label} over ${floor.label}, what any ES module entry costs`);
