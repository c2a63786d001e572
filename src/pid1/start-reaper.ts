import { getSystemErrorName } from "node:util";
import type { Logger } from "../log/logger.ts";
import { loadReaperAddon } from "./load-reaper-addon.ts";
import { isOwnChild, trackOwnChildren } from "./own-children.ts";

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
 * Reaps orphans re-parented to this process (as PID 1, or as a child
 * subreaper otherwise) on every SIGCHLD, with a 1 s unref'd timer as a
 * backstop. Children spawned through node:child_process are left to libuv,
 * so their 'exit' events and codes are unchanged. Call it before spawning
 * anything: children spawned earlier are not known to be node's own.
 *
 * Never throws: without the native addon it warns once and reaps nothing.
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
