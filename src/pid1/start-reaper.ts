import { ChildProcess } from "node:child_process";
import { getSystemErrorName } from "node:util";
import type { Logger } from "../log/logger.ts";
import { loadReaperAddon } from "./load-reaper-addon.ts";

/** Children that libuv spawned, by pid, until their 'exit': had the reaper taken one, libuv's waitpid would get ECHILD and no 'exit' would come. */
const own = new Map<number, ChildProcess>();
let installed = false;

/**
 * Tracks every child spawned through node:child_process from now on (all go through
 * `ChildProcess.prototype.spawn`). The wrapper stays for the life of the process: unwrapping could undo
 * someone else's later wrapper. Not covered, by design: spawnSync/execSync (the reaper cannot run before they
 * have reaped their child); children of worker threads or other native addons (node-pty), not to be used here.
 */
function trackOwnChildren(): void {
  if (installed) return;
  installed = true;
  // Internal, untyped method: lib/child_process.js calls `child.spawn(options)`.
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, ...args: unknown[]): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      own.set(pid, this);
      this.once("exit", () => {
        if (own.get(pid) === this) own.delete(pid);
      });
    }
    return result;
  };
}

/**
 * True while `pid` belongs to a child that libuv still has to reap. A pid
 * whose ChildProcess already exited (someone removed our 'exit' listener) was
 * recycled by the kernel: it is somebody else's now.
 */
function isOwnChild(pid: number): boolean {
  const child = own.get(pid);
  if (child === undefined) return false;
  if (child.exitCode === null && child.signalCode === null) return true;
  own.delete(pid);
  return false;
}

export interface ReaperOptions {
  readonly log: Logger;
  /** Where to look for reaper.node, first found wins (default: loadReaperAddon's). */
  readonly addonPaths?: readonly string[];
}

/** Every orphan is reaped within this long of its exit, even if a SIGCHLD was coalesced away. */
const BACKSTOP_MS = 1000;

// Survivable oddities are reported once per process, not at every start.
const warned = new Set<string>();
function warnOnce(log: Logger, key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(message);
}

/**
 * Reaps orphans re-parented to this process (as PID 1, or as a child subreaper) on every SIGCHLD, with a timer
 * as a backstop; libuv's own children are left to it, their 'exit' events unchanged. Call it before spawning
 * anything: earlier children are not known to be node's own. Without the addon it warns once and reaps nothing.
 * Returns the function that stops reaping.
 */
export function startReaper(opts: ReaperOptions): () => void {
  const { log } = opts;
  trackOwnChildren();
  const addon = loadReaperAddon(opts.addonPaths);
  if ("error" in addon) {
    warnOnce(log, "addon", `${addon.error}: orphaned processes will stay zombies`);
    return () => {};
  }
  if (process.pid !== 1) {
    const errno = addon.setSubreaper();
    warnOnce(
      log,
      "not-pid1",
      errno === 0
        ? `not PID 1 (pid ${process.pid}): reaping orphans of our own subtree as a child subreaper`
        : `not PID 1 (pid ${process.pid}) and cannot become a child subreaper (${getSystemErrorName(-errno)}): orphans go to PID 1`,
    );
  }

  // SIGCHLD coexists with libuv's child watcher: libuv fans one signal out to every handle.
  let pending: NodeJS.Immediate | undefined;
  const reapNow = () => {
    pending = undefined;
    for (const pid of addon.zombieChildren()) {
      // libuv's own children keep their exit status for child_process.
      if (!isOwnChild(pid)) addon.reap(pid);
    }
  };
  const onSigchld = () => {
    pending ??= setImmediate(reapNow);
  };
  process.on("SIGCHLD", onSigchld);
  const backstop = setInterval(reapNow, BACKSTOP_MS).unref();
  reapNow();

  return () => {
    process.off("SIGCHLD", onSigchld);
    clearInterval(backstop);
    if (pending !== undefined) clearImmediate(pending);
    pending = undefined;
  };
}
