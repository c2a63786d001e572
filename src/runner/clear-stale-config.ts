import { rmSync } from "node:fs";

/** Files a previous life of this container left; config.sh refuses to run while `.runner` exists. */
const STALE = [".runner", ".credentials", ".credentials_rsaparams"];

/** Removes them; returns the names that existed (restart after a crash or SIGKILL). */
export function clearStaleConfig(runnerDir: string): string[] {
  const removed: string[] = [];
  for (const name of STALE) {
    try {
      rmSync(`${runnerDir}/${name}`);
      removed.push(name);
    } catch {
      // absent: nothing to clear
    }
  }
  return removed;
}
