import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import type { Logger } from "../log/logger.ts";
import { childExitCode, spawnFailureCode } from "../pid1/exit-code.ts";
import { relayLines } from "./relay-lines.ts";
import { FORCE_KILL_AFTER_MS, signalGroup, stopGroup } from "./stop-group.ts";

export interface ProcessOptions {
  /** Runs as this user (through setpriv when we are root); default: as ourselves. */
  readonly user?: UserInfo;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** "inherit": our stdin, stdout and stderr (CMD mode); default: no stdin, output piped. */
  readonly stdio?: "pipe" | "inherit";
  /** Own session and process group, so that group signals reach the whole tree (default true). */
  readonly ownGroup?: boolean;
  /** Aborting it stops the process group: `killSignal` (SIGTERM), then SIGKILL after FORCE_KILL_AFTER_MS. */
  readonly cancelSignal?: AbortSignal;
  readonly killSignal?: NodeJS.Signals;
  /** Each output line (stdout and stderr) as it comes: CR stripped, cut at 64 KiB. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Raw stdout as it comes (rsync's progress ends with CR, not with a newline). */
  readonly onStdout?: (chunk: string) => void;
  /**
   * Stdout goes to this open file instead of a pipe (with "pipe" stdio), for
   * output the caller reads in its own time rather than on every write the
   * child makes; `onStdout` and the result's `stdout` then stay empty.
   */
  readonly stdoutFd?: number;
  /**
   * It may leave background processes that hold its output open for hours (a
   * hook starting a daemon): once it has exited, the result waits for what it
   * wrote itself, not for its pipes to close; later lines are still relayed.
   */
  readonly leavesBackground?: boolean;
  /** Characters of each stream kept for the result (default 8 KiB). */
  readonly tail?: number;
  /** Where "cannot start" and the no-setpriv warning go. */
  readonly log?: Logger;
}

export interface ProcessResult {
  /** The exit code; 128 + n when signal n killed it; 127 when not found, 126 when it could not be started. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  /** The last `tail` characters of each stream; stderr ends with why it could not start, if it could not. */
  readonly stdout: string;
  readonly stderr: string;
  readonly canceled: boolean;
  /** Why it could not be started (ENOENT, EACCES, ...). */
  readonly startError?: string;
}

/** Starts `file args`: the one way this program runs a process (every spawn, wait and kill goes through here). */
export function startProcess(file: string, args: readonly string[], opts: ProcessOptions = {}): ProcessHandle {
  return new ProcessHandle(file, args, opts);
}

export function runProcess(file: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  return startProcess(file, args, opts).result;
}

/** A started child, for callers that signal it while it runs (the runner, hooks, CMD mode). */
export class ProcessHandle {
  /** Also its process group id (unless `ownGroup` was false). */
  readonly pid: number | undefined;
  /** Settles once the child has exited and its pipes closed (see `leavesBackground`). Never rejects. */
  readonly result: Promise<ProcessResult>;
  readonly #child: ChildProcess | undefined;
  #running = true;

  constructor(file: string, args: readonly string[], o: ProcessOptions) {
    const tails = { stdout: "", stderr: "" };
    const flushes: (() => void)[] = [];
    let canceled = false;
    let startError: string | undefined;
    let settle = (_: ProcessResult) => {};
    this.result = new Promise((resolve) => (settle = resolve));
    const onCancel = () => {
      canceled = true;
      void this.terminate(o.killSignal ?? "SIGTERM");
    };
    let done = false;
    const finish = (code: number, signal: NodeJS.Signals | null) => {
      this.#running = false;
      if (done) return;
      done = true;
      for (const flush of flushes) flush();
      o.cancelSignal?.removeEventListener("abort", onCancel);
      settle({ code, signal, stdout: tails.stdout, stderr: tails.stderr, canceled, startError });
    };
    const failed = (e: NodeJS.ErrnoException) => {
      startError = e.code ?? e.message;
      o.log?.error(`cannot start ${file}: ${startError}`);
      tails.stderr += `${file}: ${e.code === "ENOENT" ? "not found" : startError}\n`;
      finish(spawnFailureCode(e), null);
    };

    try {
      const stdio: SpawnOptions["stdio"] = o.stdio === "inherit" ? "inherit" : ["ignore", o.stdoutFd ?? "pipe", "pipe"];
      this.#child = spawnAs(o.user, file, args, { env: o.env ?? process.env, cwd: o.cwd, stdio, detached: o.ownGroup ?? true }, o.log);
    } catch (e) {
      // E2BIG, an invalid environment...: Node throws these; the common ones (ENOENT, EACCES) come as 'error'.
      failed(e as NodeJS.ErrnoException);
      return;
    }
    const child = this.#child;
    this.pid = child.pid;
    for (const name of ["stdout", "stderr"] as const) {
      const stream = child[name];
      if (!stream) continue;
      flushes.push(relayLines(stream, (line) => o.onLine?.(line, name)));
      stream.on("data", (chunk: string) => {
        tails[name] = (tails[name] + chunk).slice(-(o.tail ?? 8192));
        if (name === "stdout") o.onStdout?.(chunk);
      });
    }
    // After a successful spawn, 'error' is a failed kill(), which signalGroup already tolerates.
    child.on("error", (e) => {
      if (child.pid === undefined) failed(e);
    });
    child.once("exit", (code, signal) => {
      this.#running = false;
      // What it wrote before it exited is in the pipes already: two turns of the event loop (each one polls them) read it.
      if (o.leavesBackground) setImmediate(() => setImmediate(() => finish(childExitCode(code, signal), signal)));
    });
    child.once("close", (code, signal) => finish(childExitCode(code, signal), signal));
    if (o.cancelSignal?.aborted) onCancel();
    else o.cancelSignal?.addEventListener("abort", onCancel, { once: true });
  }

  /** False once the child has exited. */
  get running(): boolean {
    return this.#running;
  }

  /** Signals the whole process group (a `bash run.sh` wrapper must not swallow it); the child alone when it has none. */
  signalGroup(signal: NodeJS.Signals): void {
    if (signalGroup(this.pid, signal) || !this.#running) return;
    try {
      this.#child?.kill(signal);
    } catch {
      // already gone
    }
  }

  /** `signal` to the group, then SIGKILL when the child still runs after `grace` (ms, or when it aborts). */
  async terminate(signal: NodeJS.Signals, grace: number | AbortSignal = FORCE_KILL_AFTER_MS): Promise<ProcessResult> {
    if (this.#running) await stopGroup((s) => this.signalGroup(s), signal, grace, this.result);
    return this.result;
  }
}

let warnedNoSwitch = false;

/** From root through setpriv: libuv's setuid drops supplementary groups (`docker`...). setpriv execs, keeping the pid. */
function spawnAs(user: UserInfo | undefined, file: string, args: readonly string[], opts: SpawnOptions, log?: Logger): ChildProcess {
  const myUid = process.getuid?.() ?? 0;
  if (user === undefined || user.uid === myUid) return spawn(file, args, opts);
  if (myUid === 0 && existsSync("/usr/bin/setpriv")) {
    return spawn("/usr/bin/setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--", file, ...args], opts);
  }
  // No setpriv: libuv switches uid/gid (supplementary groups are lost).
  if (myUid === 0) return spawn(file, args, { ...opts, uid: user.uid, gid: user.gid });
  if (!warnedNoSwitch) log?.warn(`not running as root: cannot switch to user ${user.name}, running as uid ${myUid}`);
  warnedNoSwitch = true;
  return spawn(file, args, opts);
}
