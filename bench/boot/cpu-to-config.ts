// npm run bench:boot-cpu — the CPU that PID 1 spends from exec to config.sh's
// start (every thread's on-CPU time, /proc/1/task/*/schedstat, read by a
// config.sh stand-in the moment it starts), against the fakes, as bench:boot
// runs the supervisor. CPU, not wall time: on a shared machine wall times swing
// with the others' work, the CPU a start needs does not.
//   BENCH_NODES    node binaries, comma-separated (default: this one)
//   BENCH_BUNDLES  dirs holding a ci-runner.js, comma-separated (default: dist)
//   BENCH_ROUNDS   rounds (default 20); every side once per round, order rotated
//   BENCH_CPU_PROF a dir: each start of the bundle also writes a --cpu-prof there
//                  (DIR/SIDE-N/); read it with bench/boot/profile-to-config.ts
// Each node also runs its floor: `node -e` reading its own CPU (Node's own start).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { startFakeGitHub, type FakeGitHub } from "../../test/fakes/github/fake-github.ts";
import { REPO_ROOT } from "../../test/helpers/supervisor-process.ts";
import { ensureTestUser } from "../../test/helpers/test-user.ts";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import { startPid1 } from "./pid1-run.ts";
import { percentile } from "./report.ts";
import { roundEnv } from "./round-env.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const NODES = (process.env.BENCH_NODES ?? process.execPath).split(",").filter(Boolean);
const BUNDLES = (process.env.BENCH_BUNDLES ?? join(REPO_ROOT, "dist")).split(",").filter(Boolean).map((d) => resolve(d));
const PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const say = (m: string) => process.stdout.write(`${m}\n`);

/** config.sh's stand-in: PID 1's CPU (all threads, and the main thread alone) in ns, then it waits to be killed. */
const CONFIG_SH = `#!/bin/bash
t=0; n=0
for f in /proc/1/task/*/schedstat; do read -r ns _ < "$f"; t=$((t + ns)); n=$((n + 1)); done
read -r m _ < /proc/1/schedstat
echo "CPU-AT-CONFIG $t $m $n $EPOCHREALTIME"
exec sleep 600
`;

/** Node's own start: its CPU when its first statement runs. */
const FLOOR = `const fs=require("fs");let t=0;for(const d of fs.readdirSync("/proc/self/task"))t+=+fs.readFileSync("/proc/self/task/"+d+"/schedstat","latin1").split(" ")[0];console.log("CPU-AT-CONFIG "+t)`;

interface Side {
  readonly label: string;
  readonly argv: readonly string[];
  readonly floor: boolean;
  readonly ms: number[];
  readonly mainMs: number[];
  /** Wall time from spawn (of env, unshare and PID 1) to config.sh's start. */
  readonly wallMs: number[];
}

const versionOf = (node: string) => execFileSync(node, ["-p", "process.version"]).toString().trim();
const sides: Side[] = [];
for (const node of NODES) {
  const v = versionOf(node);
  sides.push({ label: `${v} floor (node -e)`, argv: [node, "-e", FLOOR], floor: true, ms: [], mainMs: [], wallMs: [] });
  for (const b of BUNDLES) sides.push({ label: `${v} ${b}`, argv: [node, join(b, "ci-runner.js")], floor: false, ms: [], mainMs: [], wallMs: [] });
}

/** With BENCH_CPU_PROF, the node options of a start of side `i`: its own profile dir. */
function profArgs(i: number, side: Side): string[] {
  if (!PROF_DIR || side.floor) return [];
  const dir = join(PROF_DIR, `side${i}`);
  mkdirSync(dir, { recursive: true });
  // PID 1 in every start, and several starts a second: Node's default names would collide.
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${counter}.cpuprofile`, "--cpu-prof-interval=100"];
}

let counter = 0;
async function measure(side: Side, fake: FakeGitHub, user: UserInfo): Promise<void> {
  const { base, runnerDir, env } = await roundEnv(fake, user, `bench-cpu-${process.pid}-${++counter}`);
  try {
    writeFileSync(join(runnerDir, "config.sh"), CONFIG_SH);
    const [node, ...args] = side.argv as [string, ...string[]];
    const spawnedAt = Date.now();
    const run = startPid1([node, ...profArgs(sides.indexOf(side), side), ...args], env);
    try {
      await run.lineAt(/CPU-AT-CONFIG/, 60_000);
      const m = /CPU-AT-CONFIG (\d+)(?: (\d+) \d+ ([\d.]+))?/.exec(run.lines.find((l) => l.includes("CPU-AT-CONFIG")) ?? "");
      side.ms.push(Number(m?.[1]) / 1e6);
      if (m?.[2]) side.mainMs.push(Number(m[2]) / 1e6);
      if (m?.[3]) side.wallMs.push(Number(m[3]) * 1000 - spawnedAt);
    } finally {
      // A profile is written at exit: a graceful stop then (config.sh's stand-in holds no registration).
      if (PROF_DIR && !side.floor) process.kill(run.pid1(), "SIGTERM");
      else run.child.kill("SIGKILL");
      await run.exited;
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
say(`PID 1's CPU from exec to config.sh's start (ms, all threads), ${ROUNDS} rounds, load average at start ${load()}`);
const fake = await startFakeGitHub();
try {
  const user = ensureTestUser();
  for (const side of sides) await measure(side, fake, user);
  for (const side of sides) side.ms.length = side.mainMs.length = side.wallMs.length = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const order = sides.map((_, j) => sides[(i + j) % sides.length] as Side);
    for (const side of order) await measure(side, fake, user);
  }
  const fmt = (xs: number[]) => xs.length ? `${percentile(xs, 50).toFixed(1)} (p10 ${percentile(xs, 10).toFixed(1)}, p90 ${percentile(xs, 90).toFixed(1)})` : "-";
  say(`${"side".padEnd(52)} ${"CPU, all threads, median".padEnd(30)} ${"main thread".padEnd(30)} wall time`);
  for (const s of sides) say(`${s.label.padEnd(52)} ${fmt(s.ms).padEnd(30)} ${fmt(s.mainMs).padEnd(30)} ${fmt(s.wallMs)}`);
  // What the supervisor adds to Node's own start, per node: the medians' difference.
  for (const floor of sides.filter((s) => s.floor)) {
    for (const s of sides.filter((x) => !x.floor && x.argv[0] === floor.argv[0])) {
      say(`${s.label}: ${(percentile(s.ms, 50) - percentile(floor.ms, 50)).toFixed(1)} ms above its Node's floor`);
    }
  }
  say(`load average at end: ${load()}`);
} finally {
  await fake.close();
}
