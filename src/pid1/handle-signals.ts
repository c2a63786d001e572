import { readFileSync } from "node:fs";
import { constants } from "node:os";
import type { Logger } from "../log/logger.ts";

/** Signals Node handles itself from startup. */
const WATCHED: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * The stop signals that /proc/self/status shows as delivered before any JavaScript listened. Node installs a
 * one-shot (SA_RESETHAND) handler for SIGINT and SIGTERM at startup, which re-raises the signal, and the kernel
 * drops that for a PID 1 without a handler: a watched signal missing from SigCgt came and went. Both missing is
 * a Node that installs neither (another version), not two signals: a false stop at boot is worse than a missed one.
 */
export function missedSignals(status: string): NodeJS.Signals[] {
  const m = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status);
  if (!m) return [];
  const caught = BigInt(`0x${m[1]}`);
  // Signal n is bit n-1 of /proc's masks.
  const missed = WATCHED.filter((sig) => ((caught >> BigInt(constants.signals[sig] - 1)) & 1n) === 0n);
  return missed.length < WATCHED.length ? missed : [];
}

let taken = false;

/**
 * The stop signals that reached PID 1 while Node was still starting: else `docker stop` right after a (re)start
 * (compose down while a `restart: always` ephemeral runner comes back) waits out its whole grace period. Answers
 * once: it is only true before the first listener, which replaces Node's handler.
 */
export function takeStartupSignals(): NodeJS.Signals[] {
  if (taken) return [];
  taken = true;
  if (process.pid !== 1) return []; // Not PID 1: such a signal would have ended Node already.
  try {
    return missedSignals(readFileSync("/proc/self/status", "utf8"));
  } catch {
    return [];
  }
}

// The supervisor's signal table. SIGCHLD is libuv's; SIGKILL and SIGSTOP cannot be caught.

/** Signals that start the graceful shutdown (a second one escalates). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

/** Never to kill the supervisor: SIGTTIN/SIGTTOU stop a background group that touches a tty (`docker run -t`, a hook); Node ignores SIGPIPE already. */
const IGNORED: readonly NodeJS.Signals[] = ["SIGTTIN", "SIGTTOU", "SIGPIPE"];

/**
 * Ignored with one line each, someone sent them on purpose: SIGUSR1 would open Node's inspector, from which any
 * local process could run code as root inside PID 1; SIGUSR2 means nothing here.
 */
const REFUSED: readonly [NodeJS.Signals, string][] = [
  ["SIGUSR1", "ignored (ci-runner never opens a debugger)"],
  ["SIGUSR2", "ignored (it means nothing to ci-runner)"],
];

/**
 * Installs the SIGUSR1/SIGUSR2 listeners for the life of the process: the first one replaces Node's inspector
 * trigger, and removing the last would restore the default action. Silent when another listener handles the
 * signal (a mode that forwards it to a child).
 */
export function refuseUserSignals(log: Logger): void {
  for (const [sig, what] of REFUSED) {
    process.on(sig, () => {
      if (process.listenerCount(sig) === 1) log.warn(`${sig} received: ${what}`);
    });
  }
}

/** Installs `handlers`; returns the function that removes them. */
export function listen(handlers: ReadonlyMap<NodeJS.Signals, () => void>): () => void {
  for (const [sig, h] of handlers) process.on(sig, h);
  return () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  };
}

/** Stop signals received between holdStopSignals and handleSignals, in order; undefined when not held. */
let held: NodeJS.Signals[] | undefined;
let removeHolders = () => {};

/**
 * As PID 1, catches the stop signals from the bundle's first statement on (the kernel drops them for a
 * namespace's init without a listener); handleSignals replays them, with those Node's startup handler caught.
 */
export function holdStopSignals(): void {
  if (held || process.pid !== 1) return;
  held = takeStartupSignals(); // before our listeners replace Node's handlers
  removeHolders = listen(new Map(STOP_SIGNALS.map((sig) => [sig, () => void held?.push(sig)])));
}

/** The held signals, once; removes the holders (after the caller's own listeners are in: never a moment without one). */
export function releaseStopSignals(): NodeJS.Signals[] {
  removeHolders();
  removeHolders = () => {};
  const out = held ?? [];
  held = [];
  return out;
}

/**
 * Calls `onStop(signal, count)` for each stop signal (count 1 = graceful, 2+ = escalate); as PID 1 the kernel
 * drops default-action signals, so without it `docker stop` waits for its SIGKILL. One that came earlier is
 * delivered before this returns, as if it came just after. Returns the function that removes the handlers.
 */
export function handleSignals(
  onStop: (signal: NodeJS.Signals, count: number) => void,
  /** Given: SIGHUP means "re-read the configuration" (the controller's REPOS_CONFIG_FILE), not a stop. */
  onHangup?: () => void,
): () => void {
  const startup = takeStartupSignals(); // [] when holdStopSignals already took them
  let count = 0;
  const handlers = new Map<NodeJS.Signals, () => void>([
    ...STOP_SIGNALS.map((sig) => [sig, sig === "SIGHUP" && onHangup ? onHangup : () => onStop(sig, ++count)] as const),
    ...IGNORED.map((sig) => [sig, () => {}] as const),
  ]);
  const remove = listen(handlers);
  // At once, not on a later tick: a boot that went on meanwhile could register a runner first.
  for (const sig of [...startup, ...releaseStopSignals()]) handlers.get(sig)?.();
  return remove;
}
