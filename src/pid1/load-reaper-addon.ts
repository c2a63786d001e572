import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The N-API addon built from src/pid1/native/reaper.c. */
export interface ReaperAddon {
  /** Pids of zombies whose parent is this process (from /proc). */
  zombieChildren(): number[];
  /** waitpid(pid, WNOHANG): the pid when reaped, 0 while it runs, -errno on failure. */
  reap(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): 0, or the errno. */
  setSubreaper(): number;
}

/**
 * Where reaper.node may be: beside the bundle (dist/ci-runner.js, where
 * import.meta.url is the bundle itself), then node-gyp's output when the
 * sources run through tsx (import.meta.url is this file).
 */
export function defaultAddonPaths(): string[] {
  return [
    fileURLToPath(new URL("./reaper.node", import.meta.url)),
    fileURLToPath(new URL("./native/build/Release/reaper.node", import.meta.url)),
  ];
}

/** Loads the first existing addon of `paths`; a reason instead when none loads. */
export function loadReaperAddon(paths: readonly string[]): ReaperAddon | { error: string } {
  const path = paths.find((p) => existsSync(p));
  if (path === undefined) return { error: `reaper.node not found (looked in ${paths.join(", ")})` };
  const module = { exports: {} as ReaperAddon };
  try {
    process.dlopen(module, path);
  } catch (err) {
    return { error: `cannot load ${path}: ${(err as Error).message}` };
  }
  return module.exports;
}
