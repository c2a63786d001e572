// `docker run -it ci-runner CMD`: the command must own the terminal. A pty
// (node-pty) stands in for Docker's: PID 1 of a fresh PID namespace leads the
// terminal's session (setsid --ctty), without CAP_SYS_ADMIN (Docker's default
// capabilities), so that nothing can take the terminal by force.
import pty from "node-pty";
import t from "tap";
import { BUNDLE } from "../helpers/supervisor-process.ts";

interface Terminal {
  write(keys: string): void;
  /** Resolves when the output so far (with CRs removed) matches `re`. */
  waitFor(re: RegExp): Promise<void>;
  output(): string;
  readonly exited: Promise<number>;
}

function inTerminal(args: string[]): Terminal {
  const argv = ["-u", "NODE_OPTIONS", "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "setsid", "--ctty"];
  const dropCaps = ["setpriv", "--bounding-set=-sys_admin", "--"];
  const term = pty.spawn("/usr/bin/env", [...argv, ...dropCaps, process.execPath, BUNDLE, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PS1: "PROMPT> ", TERM: "dumb" },
    cols: 120,
    rows: 30,
  });
  let out = "";
  const waiters = new Set<{ re: RegExp; resolve: () => void }>();
  term.onData((data) => {
    out += data.replaceAll("\r", "");
    for (const w of waiters) if (w.re.test(out)) (waiters.delete(w), w.resolve());
  });
  return {
    write: (keys) => term.write(keys),
    waitFor: (re) => (re.test(out) ? Promise.resolve() : new Promise((resolve) => waiters.add({ re, resolve }))),
    output: () => out,
    exited: new Promise((resolve) => term.onExit(({ exitCode }) => resolve(exitCode))),
  };
}

t.test("an interactive bash owns the terminal: job control, Ctrl-C reaches its foreground job, its exit code", async (t) => {
  const term = inTerminal(["bash", "--norc", "--noprofile", "-i"]);
  await term.waitFor(/PROMPT> $/);
  // Session leader, and its process group in the foreground of the terminal.
  term.write('echo "leader=$(ps -o sid= -p $$ | tr -d " ")/$$ foreground=$(ps -o tpgid= -p $$ | tr -d " ")/$(ps -o pgid= -p $$ | tr -d " ") $-"\r');
  await term.waitFor(/^leader=.*\nPROMPT> $/m);
  const m = /^leader=(\d+)\/(\d+) foreground=(\d+)\/(\d+) (\S+)$/m.exec(term.output());
  t.ok(m, term.output());
  t.equal(m?.[1], m?.[2], "bash leads its own session");
  t.equal(m?.[3], m?.[4], "its process group is the terminal's foreground group");
  t.match(m?.[5], /m/, "job control (monitor mode) is on");
  term.write("sh -c 'echo rea''dy; exec sleep 1000'\r");
  await term.waitFor(/^ready$/m);
  term.write("\x03");
  await term.waitFor(/\^C\nPROMPT> $/);
  term.write("echo status=$?\r");
  await term.waitFor(/^status=\d+$/m);
  t.match(term.output(), /^status=130$/m, "the sleep died of the Ctrl-C's SIGINT");
  term.write("exit 3\r");
  t.equal(await term.exited, 3);
  t.notMatch(term.output(), /no job control|cannot set terminal process group/);
});

t.test("Ctrl-C reaches a command without job control once, from the terminal; PID 1 is not on it", async (t) => {
  const printSignals = new URL("../fixtures/pid1/print-signals.cjs", import.meta.url).pathname;
  const script = `echo "pid 1 tty: $(ps -o tty= -p 1)"; exec ${process.execPath} ${printSignals} SIGINT SIGQUIT`;
  const term = inTerminal(["sh", "-c", script]);
  await term.waitFor(/^ready$/m);
  t.match(term.output(), /^pid 1 tty: \?$/m, "PID 1 gave the terminal up: the kernel sends it no Ctrl-C");
  term.write("\x03");
  // The terminal echoes ^C before the line.
  await term.waitFor(/got SIGINT$/m);
  term.write("\x1c");
  t.equal(await term.exited, 0, "the command saw both and exited");
  t.equal(term.output().match(/got SIGINT$/gm)?.length, 1, term.output());
});
