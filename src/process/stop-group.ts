import { abortableSleep } from "../lifecycle/abortable-sleep.ts";

/** `signal` to process group `pgid` (0: only asks whether it has a member); false when it is gone (or `pgid` unknown). */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** How long a process gets between its stop signal and SIGKILL, unless a caller says otherwise. */
export const FORCE_KILL_AFTER_MS = 5000;

/** How often `groupGone` asks the kernel: one kill(2) each, nothing read from /proc. */
const GROUP_POLL_MS = 50;

/** `signal` through `send` now, SIGKILL once `grace` is over (ms, or when it aborts) unless `gone` settled first. */
export async function stopGroup(
  send: (signal: NodeJS.Signals) => void,
  signal: NodeJS.Signals,
  grace: number | AbortSignal,
  gone: Promise<unknown>,
): Promise<void> {
  send(signal);
  const settled = new AbortController();
  const graceOver =
    typeof grace === "number" ? abortableSleep(grace, settled.signal) : abortableSleep(2 ** 31 - 1, grace, settled.signal);
  const first = await Promise.race([gone.then(() => "gone" as const), graceOver.then(() => "grace" as const)]);
  settled.abort();
  if (first === "grace") send("SIGKILL");
}

/**
 * Resolves when process group `pgid` has no member left, or when `until` aborts: for groups whose leader is gone
 * (what hooks left), with no exit event to wait for. A zombie member counts until the reaper collects it.
 */
export async function groupGone(pgid: number, until: AbortSignal): Promise<void> {
  while (signalGroup(pgid, 0) && !until.aborted) await abortableSleep(GROUP_POLL_MS, until);
}
