/**
 * Sends `signal` to process group `pgid` (0: only asks whether the group
 * still has a member); false when the group is gone (or `pgid` unknown).
 */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
