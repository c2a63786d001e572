import { readFileSync } from "node:fs";

/** Signals Node handles itself from startup, with their numbers (bit n-1 of /proc's masks). */
const WATCHED: readonly [NodeJS.Signals, number][] = [
  ["SIGTERM", 15],
  ["SIGINT", 2],
];

/**
 * The stop signals that a status text (/proc/self/status) shows as already
 * delivered before any JavaScript listened. Node installs a one-shot
 * (SA_RESETHAND) handler for SIGINT and SIGTERM at startup; when one fires it
 * re-raises the signal, which the kernel drops for a PID 1 without a handler.
 * So a watched signal missing from SigCgt means it came and went. Both
 * missing reads as a Node that installs neither (another version), not as
 * two signals: a false stop at boot would be worse than a missed one.
 */
export function missedSignals(status: string): NodeJS.Signals[] {
  const m = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status);
  if (!m) return [];
  const caught = BigInt(`0x${m[1]}`);
  const missed = WATCHED.filter(([, n]) => ((caught >> BigInt(n - 1)) & 1n) === 0n).map(([sig]) => sig);
  return missed.length < WATCHED.length ? missed : [];
}

let taken = false;

/**
 * The stop signals that reached PID 1 while Node was still starting.
 * Without this, `docker stop` right after a container (re)starts - compose
 * down while a `restart: always` ephemeral runner comes back - is lost and
 * waits out the whole grace period for SIGKILL. Answers once: it is only
 * true before the first listener, which replaces Node's handler.
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
