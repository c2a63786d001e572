import t from "tap";
import { FORWARDED_SIGNALS } from "../../src/pid1/forward-signals.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";
import { spawnSync } from "node:child_process";
import { BUNDLE, startSupervisor } from "../helpers/supervisor-process.ts";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

t.test("any other command runs as a child: its exit code, 127 when missing", async (t) => {
  const ok = startSupervisor(env, { args: ["sh", "-c", "echo hi from child; exit 7"] });
  t.equal((await ok.exited).code, 7);
  t.match(ok.output(), /^hi from child$/m);
  const missing = startSupervisor(env, { args: ["no-such-command-xyz"] });
  t.equal((await missing.exited).code, 127);
  t.match(missing.output(), /cannot run no-such-command-xyz: no such command/);
  const bad = startSupervisor(env, { args: ["--bogus"] });
  t.equal((await bad.exited).code, 64);
});

t.test("help, --help and -h print the commands and exit 0; help's output piped into a reader that is gone is no error", async (t) => {
  for (const arg of ["help", "--help", "-h"]) {
    const run = startSupervisor(env, { args: [arg] });
    t.equal((await run.exited).code, 0, arg);
    t.match(run.output(), /^usage: ci-runner \[command\]$[\s\S]*^  health {4}exit 0 when/m, arg);
  }
  const closed = spawnSync("bash", ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(BUNDLE)} help | true; echo "exit \${PIPESTATUS[0]}"`], { encoding: "utf8" });
  t.match(closed.stdout, /exit 0/);
  t.notMatch(closed.stderr, /internal error/);
});

t.test("a stop signal is forwarded to the child; exit 128 + signal", async (t) => {
  const sup = startSupervisor(env, { args: ["sh", "-c", "trap 'echo got TERM; exit 143' TERM; echo ready; while :; do sleep 0.1; done"] });
  await sup.waitForLine(/^ready$/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.match(sup.output(), /got TERM/);
});

t.test("a stop signal that came while Node was starting still reaches the child", async (t) => {
  const term = new URL("../fixtures/pid1/term-at-startup.cjs", import.meta.url).pathname;
  // No trap: the signal may land before a shell could install one. A child
  // that never got it would sleep on until the hang guard's SIGKILL (exit 137).
  const sup = startSupervisor(env, { nodeArgs: ["--require", term], args: ["sleep", "600"] });
  const timer = setTimeout(() => sup.signal("SIGKILL"), HANG_GUARD_MS);
  t.equal((await sup.exited).code, 143, "the child ended by SIGTERM: 128 + 15");
  clearTimeout(timer);
});

// dumb-init's test matrix: each signal, PID 1 or not, must reach a process
// that `sh -c` started (the signal goes to the command's process group, not
// to its pid only). sh ignores them all, so that it outlives every one.
const printSignals = new URL("../fixtures/pid1/print-signals.cjs", import.meta.url).pathname;
const names = FORWARDED_SIGNALS.map((s) => s.slice(3));
for (const pid1 of [true, false]) {
  t.test(`every forwarded signal reaches a grandchild under sh -c (${pid1 ? "PID 1" : "not PID 1"})`, async (t) => {
    const script = `trap '' ${names.join(" ")}; ${process.execPath} ${printSignals} ${FORWARDED_SIGNALS.join(" ")}; echo "grandchild exited $?"`;
    const sup = startSupervisor(env, { pid1, args: ["sh", "-c", script] });
    await sup.waitForLine(/^ready$/);
    for (const sig of FORWARDED_SIGNALS) {
      sup.signal(sig);
      await sup.waitForLine(new RegExp(`^got ${sig}$`));
    }
    t.equal((await sup.exited).code, 0);
    t.same(
      sup.lines.filter((l) => l.startsWith("got ")),
      FORWARDED_SIGNALS.map((s) => `got ${s}`),
      "each one, once, in order",
    );
    t.match(sup.output(), /^grandchild exited 0$/m);
    t.notMatch(sup.output(), /received: ignored/, "SIGUSR1 and SIGUSR2 are the command's, not refused by PID 1");
  });
}
