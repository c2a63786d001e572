import { rmSync } from "node:fs";

/**
 * A registration's files in the runner directory, written by config.sh. A
 * previous life of the container may have left them; config.sh refuses to
 * run while `.runner` exists.
 */
export const REGISTRATION_FILES = [".runner", ".credentials", ".credentials_rsaparams"] as const;

/** Removes them; returns the names that existed (restart after a crash or SIGKILL). */
export function clearStaleConfig(runnerDir: string): string[] {
  const removed: string[] = [];
  for (const name of REGISTRATION_FILES) {
    try {
      rmSync(`${runnerDir}/${name}`);
      removed.push(name);
    } catch {
      // absent: nothing to clear
    }
  }
  return removed;
}
