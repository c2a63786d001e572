import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HANG_GUARD_MS } from "./hang-guard.ts";
import { LineLog } from "./line-log.ts";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const BUNDLE = join(REPO_ROOT, "dist/ci-runner.js");

export interface SupervisorProcess {
  readonly child: ChildProcess;
  /** Every line printed so far (stdout and stderr together, in order). */
  readonly lines: string[];
  /**
   * Resolves once the process has exited and every line it printed has been
   * read ('close', not 'exit': output may still be in the pipe at 'exit').
   */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves with the first line matching `re` (already printed or later);
   * rejects when the process has ended without printing it, or after
   * `timeoutMs` (default: a hang guard, never a statement about speed).
   */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` to the supervisor itself (PID 1 inside its namespace). */
  signal(signal: NodeJS.Signals): void;
  /** The supervisor's pid as this machine sees it (for /proc), once known. */
  pid(): number | undefined;
  /**
   * Sends `signal` and resolves once the kernel has delivered it (no longer
   * pending in /proc): its handler has then run in the kernel's sense, and
   * Node sees it before any signal sent later.
   */
  deliver(signal: NodeJS.Signals): Promise<void>;
  output(): string;
}

function innerPid(envPid: number): number | undefined {
  // `env` execs unshare (same pid); unshare forks the supervisor.
  const unsharePid = envPid;
  try {
    const kids = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim().split(/\s+/);
    return kids[0] ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  /** PID 1 of its own namespace (default true). */
  readonly pid1?: boolean;
  /** The supervisor's command and arguments (default: none, the entrypoint). */
  readonly args?: string[];
  /** Options for node itself, before the bundle (`--require x.cjs`). */
  readonly nodeArgs?: string[];
  /** NODE_OPTIONS as a user's environment would set it (default: none). */
  readonly nodeOptions?: string;
  /**
   * A hosts file for the supervisor and everything it starts (with pid1):
   * bind-mounted over /etc/hosts in its own mount namespace, so that names
   * such as api.octo.ghe.com reach the fakes on 127.0.0.1.
   */
  readonly hostsFile?: string;
}

/**
 * Runs `node dist/ci-runner.js args` as PID 1 of a fresh PID namespace
 * (`unshare --pid --fork --mount-proc`), or as a plain child with pid1: false.
 */
export function startSupervisor(env: Record<string, string>, opts: StartOptions = {}): SupervisorProcess {
  const pid1 = opts.pid1 ?? true;
  const argv = [process.execPath, ...(opts.nodeArgs ?? []), BUNDLE, ...(opts.args ?? [])];
  // tap injects its loader through NODE_OPTIONS into every spawn, recursively; the
  // supervisor and the fake runner's node must run as in production, without it.
  const clean = ["/usr/bin/env", "-u", "NODE_OPTIONS", ...(opts.nodeOptions === undefined ? [] : [`NODE_OPTIONS=${opts.nodeOptions}`])];
  // `exec` keeps the pid: the supervisor is still unshare's child, PID 1 of its namespace.
  const hosts = opts.hostsFile && pid1 ? ["/bin/sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', opts.hostsFile] : [];
  const cmd = pid1 ? [...clean, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...hosts, ...argv] : [...clean, ...argv];
  const child = spawn(cmd[0] as string, cmd.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
  const log = new LineLog();
  const onData = (() => {
    let buf = "";
    return (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        log.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
  })();
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  // At 'close' every line has been read: one not seen by then never comes.
  void exited.then(() => log.end("exited"));
  let target: number | undefined;
  const pidOfSupervisor = (): number | undefined => {
    if (!pid1) return child.pid;
    target ??= child.pid === undefined ? undefined : innerPid(child.pid);
    return target;
  };
  const signal = (sig: NodeJS.Signals): number => {
    const pid = pidOfSupervisor();
    if (pid === undefined) throw new Error("supervisor pid not known yet");
    process.kill(pid, sig);
    return pid;
  };
  return {
    child,
    lines: log.lines,
    exited,
    output: () => log.text(),
    pid: pidOfSupervisor,
    signal: (sig) => void signal(sig),
    async deliver(sig) {
      const pid = signal(sig);
      const until = Date.now() + HANG_GUARD_MS;
      while (isPending(pid, sig)) {
        if (Date.now() > until) throw new Error(`${sig} still pending for pid ${pid} after ${HANG_GUARD_MS} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    waitForLine(re, timeoutMs = HANG_GUARD_MS) {
      return log.waitFor(re, timeoutMs);
    },
  };
}

/** Whether `sig` waits for delivery to `pid` (per-thread SigPnd or process-wide ShdPnd); false once it is gone. */
function isPending(pid: number, sig: NodeJS.Signals): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return false;
  }
  const bit = 1n << BigInt(osConstants.signals[sig] - 1);
  return [/^SigPnd:\s*([0-9a-f]+)$/m, /^ShdPnd:\s*([0-9a-f]+)$/m].some((re) => (BigInt(`0x${re.exec(status)?.[1] ?? "0"}`) & bit) !== 0n);
}
