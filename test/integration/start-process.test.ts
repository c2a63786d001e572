// The one process layer, seen from outside: real children, and what a caller
// (or ps) can observe of them: their lines, exit codes, whether they live.
import { readFileSync } from "node:fs";
import t from "tap";
import { createLogger } from "../../src/log/logger.ts";
import { startReaper } from "../../src/pid1/start-reaper.ts";
import { runProcess, startProcess } from "../../src/process/start-process.ts";
import { groupGone, signalGroup, stopGroup } from "../../src/process/stop-group.ts";

// Orphans of the test's children (what a hook leaves) are adopted and reaped here, as by PID 1.
t.teardown(startReaper({ log: createLogger("test") }));

// No NODE_OPTIONS: tap's loader would make every node child slow to start.
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const IGNORES_TERM =
  "process.on('SIGTERM', () => console.log('got SIGTERM')); console.log('ready'); setInterval(() => {}, 1 << 30);";

/** Output lines as they come, and a promise for the first one matching. */
function lineWatcher() {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  return {
    lines,
    onLine(line: string) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.re.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    next(re: RegExp): Promise<void> {
      if (lines.some((l) => re.test(l))) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

/** The process state letter ps shows (R, S, Z, ...), or undefined when there is no such process. */
function stateOf(pid: number | undefined): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0];
  } catch {
    return undefined;
  }
}

t.test("a child that ignores SIGTERM lives on after it, and is killed once the grace is over", async (t) => {
  const w = lineWatcher();
  const child = startProcess(process.execPath, ["-e", IGNORES_TERM], { env, onLine: w.onLine });
  await w.next(/^ready$/);
  const graceOver = new AbortController();
  const stopped = child.terminate("SIGTERM", graceOver.signal);
  await w.next(/^got SIGTERM$/);
  t.ok(child.running, "running after SIGTERM was delivered and handled");
  t.match(stateOf(child.pid), /^[RSD]$/, "alive, not a zombie");
  graceOver.abort();
  const r = await stopped;
  t.equal(r.signal, "SIGKILL");
  t.equal(r.code, 137, "128 + SIGKILL");
  t.notOk(child.running);
  t.equal(stateOf(child.pid), undefined, "gone");
});

t.test("the grace in milliseconds: SIGKILL comes no earlier than it", async (t) => {
  const graceMs = 1000;
  const w = lineWatcher();
  const child = startProcess(process.execPath, ["-e", IGNORES_TERM], { env, onLine: w.onLine });
  await w.next(/^ready$/);
  const sent = performance.now();
  const r = await child.terminate("SIGTERM", graceMs);
  const waited = performance.now() - sent;
  t.ok(w.lines.includes("got SIGTERM"), "SIGTERM came first");
  t.equal(r.signal, "SIGKILL");
  // libuv's timers count from the loop's cached clock, which may lag performance.now() by a few ms.
  t.ok(waited >= graceMs - 5, `killed after ${Math.round(waited)} ms, not before the ${graceMs} ms grace`);
});

t.test("a child that stops on SIGTERM is not killed: its own exit code", async (t) => {
  const w = lineWatcher();
  const child = startProcess("sh", ["-c", "trap 'echo bye; exit 3' TERM; echo ready; while :; do sleep 1; done"], { env, onLine: w.onLine });
  await w.next(/^ready$/);
  const r = await child.terminate("SIGTERM", new AbortController().signal);
  t.equal(r.code, 3);
  t.equal(r.signal, null);
  // stderr may also say that sh's sleep was "Terminated": another pipe, in any order.
  t.ok(w.lines.includes("bye"), "its trap ran");
});

t.test("the last line of a child's output is always seen, even when it exits at once", async (t) => {
  const cases = {
    "a partial last line": "echo first; printf last",
    "100 KB, then the last line": "head -c 100000 /dev/zero | tr '\\0' x; echo; echo last",
    "stderr": "echo first; echo last >&2",
  };
  for (const [name, script] of Object.entries(cases)) {
    let missed = 0;
    for (let i = 0; i < 100; i++) {
      const lines: string[] = [];
      const r = await runProcess("sh", ["-c", script], { env, onLine: (l) => lines.push(l) });
      if (lines.at(-1) !== "last" || !/last\n?$/.test(r.stdout + r.stderr)) missed++;
    }
    t.equal(missed, 0, `${name}: 100 of 100 runs saw "last"`);
  }
});

t.test("output written after the child's exit by what shares its pipes is part of the result", async (t) => {
  // rsync's receiver and ssh, a `2>&1 | tee` inside a script: they end after the child, their last lines matter.
  const lines: string[] = [];
  const r = await runProcess("sh", ["-c", "{ sleep 0.2; echo last; } & exit 4"], { env, onLine: (l) => lines.push(l) });
  t.equal(r.code, 4);
  t.equal(lines.at(-1), "last");
  t.equal(r.stdout, "last\n");
});

t.test("leavesBackground: a background process holding the output open does not hold up the result, nor hide the last line", async (t) => {
  for (const script of ["sleep 1000 & echo last", "sleep 1000 & printf last"]) {
    let missed = 0;
    for (let i = 0; i < 30; i++) {
      const lines: string[] = [];
      const child = startProcess("sh", ["-c", script], { env, leavesBackground: true, onLine: (l) => lines.push(l) });
      const r = await child.result;
      if (lines.at(-1) !== "last" || r.code !== 0 || !signalGroup(child.pid, 0)) missed++;
      signalGroup(child.pid, "SIGKILL");
    }
    t.equal(missed, 0, `${script}: 30 of 30 runs saw "last" and exit code 0 while the sleep held the pipes`);
  }
});

t.test("what a hook leaves behind: a group without its leader, SIGTERM ignored, killed once the grace is over", async (t) => {
  const w = lineWatcher();
  const script = `trap '' TERM; sh -c 'echo "ready $$"; exec sleep 1000' &`;
  const leader = startProcess("sh", ["-c", script], { env, leavesBackground: true, onLine: w.onLine });
  await w.next(/^ready \d+$/);
  await leader.result;
  const pgid = leader.pid as number;
  const leftover = Number(w.lines.find((l) => l.startsWith("ready "))?.split(" ")[1]);
  const stopPolling = new AbortController();
  const gone = groupGone(pgid, stopPolling.signal);
  const graceOver = new AbortController();
  const stopped = stopGroup((s) => signalGroup(pgid, s), "SIGTERM", graceOver.signal, gone);
  // kill(2) has returned: an ignored signal is dropped at once, there is nothing more to wait for.
  t.match(stateOf(leftover), /^[RSD]$/, "alive after SIGTERM");
  t.ok(signalGroup(pgid, 0), "the group is still there");
  graceOver.abort();
  await stopped;
  await gone;
  t.equal(stateOf(leftover), undefined, "gone after the grace");
  t.notOk(signalGroup(pgid, 0), "no member left");
});

t.test("cancelSignal stops it with killSignal; the result says it was canceled", async (t) => {
  const w = lineWatcher();
  const cancel = new AbortController();
  const run = runProcess("sh", ["-c", "echo ready; exec sleep 1000"], { env, cancelSignal: cancel.signal, killSignal: "SIGKILL", onLine: w.onLine });
  await w.next(/^ready$/);
  cancel.abort();
  const r = await run;
  t.same({ code: r.code, signal: r.signal, canceled: r.canceled }, { code: 137, signal: "SIGKILL", canceled: true });
  const before = await runProcess("true", [], { env, cancelSignal: AbortSignal.abort() });
  t.equal(before.canceled, true, "an already aborted signal cancels at once");
});

t.test("a command that cannot start: 127 or 126, the reason in stderr and startError", async (t) => {
  const missing = await runProcess("no-such-command-xyz", [], { env });
  t.same({ code: missing.code, startError: missing.startError }, { code: 127, startError: "ENOENT" });
  t.equal(missing.stderr, "no-such-command-xyz: not found\n");
  // Node refuses such an environment by throwing, not with an 'error' event.
  const badEnv = await runProcess("true", [], { env: { ...env, BAD: "a\0b" } });
  t.same({ code: badEnv.code, startError: badEnv.startError }, { code: 126, startError: "ERR_INVALID_ARG_VALUE" });
  const ok = await runProcess("sh", ["-c", "echo out; echo err >&2; exit 5"], { env });
  t.same({ code: ok.code, stdout: ok.stdout, stderr: ok.stderr, startError: ok.startError }, { code: 5, stdout: "out\n", stderr: "err\n", startError: undefined });
});
