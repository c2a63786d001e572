import { spawn } from "node:child_process";
import { HANG_GUARD_MS } from "../../helpers/hang-guard.ts";

/** A finished script: exit code (or signal) and all it printed. */
export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running script (run.sh, config.sh) in its own process group. */
export interface ScriptProcess {
  readonly pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr matches `pattern`; rejects when the process exits first or after `timeoutMs` (default: a hang guard). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` to the process only (as `kill PID`), or to its whole group. */
  kill(signal: NodeJS.Signals, opts?: { group?: boolean }): void;
  readonly exited: Promise<ScriptResult>;
}

/**
 * Starts `file` (a fake runner script) with `env`, detached in its own
 * process group so a test can signal the group as a supervisor would. The
 * process is killed (SIGKILL to the group) if it outlives `timeoutMs`, a hang
 * guard (default HANG_GUARD_MS) that keeps a hung test from leaving it behind.
 * `cwd` matters to run-helper.sh, which looks for `update.finished` there.
 */
export function startScript(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = HANG_GUARD_MS, cwd?: string): ScriptProcess {
  const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true, ...(cwd !== undefined ? { cwd } : {}) });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    notify();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString("utf8");
    notify();
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // gone already
    }
  };
  const guard = setTimeout(() => killGroup("SIGKILL"), timeoutMs);
  let done = false;
  const exited = new Promise<ScriptResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      done = true;
      notify();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal, opts = {}) => (opts.group ? killGroup(signal) : child.kill(signal)),
    waitForOutput: (pattern, waitMs = HANG_GUARD_MS) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(out) || pattern.test(err)) {
            finish();
            resolve();
          } else if (done) {
            finish();
            reject(new Error(`exited before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${pattern} within ${waitMs} ms:\n${out}\n${err}`));
        }, waitMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Runs `file` to completion. */
export function runScript(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = HANG_GUARD_MS, cwd?: string): Promise<ScriptResult> {
  return startScript(file, args, env, timeoutMs, cwd).exited;
}
