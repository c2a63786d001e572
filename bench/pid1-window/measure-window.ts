// npm run bench:pid1-window — how long PID 1 is deaf to stop signals after
// exec. A namespace's init only receives the signals it handles: until the
// supervisor's listeners are installed, the kernel drops a SIGTERM (Node's own
// one-shot startup handler for SIGTERM/SIGINT catches it from some point on,
// and handleSignals replays it; SIGHUP and SIGQUIT have no such handler).
//
// Each round starts the built bundle as PID 1 of a fresh PID namespace
// (`unshare --pid --fork --mount-proc`, as the integration tests do), reads its
// /proc status in a tight loop and notes when the process became node (exec),
// when SIGTERM was first caught (Node's startup handler) and when SIGHUP was
// (the supervisor's own listeners: every stop signal handled). Needs root.
//
//   BENCH_ROUNDS=30 BENCH_FLOOR=1 npm run bench:pid1-window
//
// BENCH_LAUNCHER runs a wrapper before node (the image's /usr/local/bin/ci-runner):
// its own exec time counts in the window too. BENCH_FLOOR=1 adds rounds of a
// one-line script that only listens to SIGHUP: what Node itself takes to reach
// a first statement, the part no bundle order can shrink.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE } from "../../test/helpers/supervisor-process.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const LAUNCHER = (process.env.BENCH_LAUNCHER ?? "").split(" ").filter(Boolean);
const FLOOR = process.env.BENCH_FLOOR === "1";
/** Another build to compare (an older commit's bundle, reaper.node beside it). */
const SCRIPT = process.env.BENCH_BUNDLE || BUNDLE;
const say = (m: string) => process.stdout.write(`${m}\n`);

if (process.getuid?.() !== 0) {
  say("bench:pid1-window needs root (unshare --pid)");
  process.exit(1);
}
if (!existsSync(SCRIPT)) {
  say(`bench:pid1-window: ${SCRIPT} is missing: npm run build`);
  process.exit(1);
}

/** A configuration that passes validation and then waits on an unreachable GitHub until killed. */
function environment(dir: string): Record<string, string> {
  for (const d of ["hooks", "runner"]) mkdirSync(join(dir, d));
  for (const f of ["config.sh", "run.sh"]) writeFileSync(join(dir, "runner", f), "#!/bin/sh\nsleep 60\n", { mode: 0o755 });
  chmodSync(dir, 0o755);
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GH_TOKEN: "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    GH_REPOSITORY: "octo/window",
    GH_LABELS: "bench",
    GH_URL: "http://127.0.0.1:9",
    RUNNER_USER: "root",
    RUNNER_DIR: join(dir, "runner"),
    WORK_DIR: join(dir, "work"),
    CACHE_DIR: join(dir, "cache"),
    ROOT_HOOKS_DIR: join(dir, "hooks"),
    GUEST_HOOKS_DIR: join(dir, "hooks"),
    CI_RUNNER_STATE_FILE: join(dir, "state.json"),
    CI_RUNNER_SECRETS_DIR: dir,
  };
}

const bit = (n: number) => 1n << BigInt(n - 1);
const SIGHUP = bit(1);
const SIGTERM = bit(15);

interface Round {
  /** ms from the first exec in the namespace (launcher or node) to node's exec. */
  node: number;
  /** ... to Node's startup handler for SIGTERM: from here a SIGTERM is replayed, not lost. */
  nodeHandler: number;
  /** ... to the supervisor's listeners: from here every stop signal is handled. */
  ours: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps ~50 us without spinning: a busy poller would take a core from the very start it measures. */
const nap = () => Atomics.wait(pause, 0, 0, 0.05);

/** One start, observed from outside by reading /proc every ~0.1 ms. */
async function round(env: Record<string, string>, script = SCRIPT): Promise<Round> {
  const argv = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...LAUNCHER, process.execPath, script];
  const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  const outer = child.pid as number;
  const deadline = performance.now() + 10_000;
  let inner: number | undefined;
  let start: number | undefined;
  const seen: Partial<Round> = {};
  while (seen.ours === undefined && performance.now() < deadline) {
    inner ??= Number(read(`/proc/${outer}/task/${outer}/children`)?.trim().split(/\s+/)[0]) || undefined;
    if (inner === undefined) {
      nap();
      continue;
    }
    const status = read(`/proc/${inner}/status`);
    const now = performance.now();
    if (status === undefined) break; // exited: a config error, see the bundle's output
    const name = /^Name:\s*(.*)$/m.exec(status)?.[1];
    nap();
    if (name === "unshare") continue; // forked, not yet exec'd
    start ??= now;
    const caught = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
    if (name === "node") seen.node ??= now - start;
    if (caught & SIGTERM) seen.nodeHandler ??= now - start;
    if (caught & SIGHUP && name === "node") seen.ours = now - start;
  }
  child.kill("SIGKILL");
  await exited;
  if (seen.ours === undefined || seen.node === undefined || seen.nodeHandler === undefined) {
    throw new Error(`no complete observation (${JSON.stringify(seen)}): does \`${argv.join(" ")}\` start?`);
  }
  return seen as Round;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number).toFixed(1);
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${(s[s.length - 1] as number).toFixed(1)} ms`;
};

const dir = mkdtempSync(join(tmpdir(), "ci-runner-window-"));
try {
  const env = environment(dir);
  await round(env); // page cache, not counted
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(env));
  say(`node ${process.version}, ${ROUNDS} rounds, launcher: ${LAUNCHER.join(" ") || "none (node is PID 1's first exec)"}`);
  if (LAUNCHER.length) say(`exec -> node exec'd:                            ${stats(rounds.map((r) => r.node))}`);
  say(`exec -> Node's SIGTERM/SIGINT handler (lost before): ${stats(rounds.map((r) => r.nodeHandler))}`);
  say(`exec -> ci-runner's stop listeners (all signals):    ${stats(rounds.map((r) => r.ours))}`);
  if (FLOOR) {
    const floor = join(dir, "floor.mjs");
    writeFileSync(floor, 'process.on("SIGHUP", () => {});\nsetTimeout(() => {}, 60_000);\n');
    const floors: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) floors.push(await round(env, floor));
    say(`floor: exec -> first statement of a one-line script:  ${stats(floors.map((r) => r.ours))}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
