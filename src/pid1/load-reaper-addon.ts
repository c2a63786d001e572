import { fileURLToPath } from "node:url";
import { loadAddon } from "../process/load-addon.ts";

/** The N-API addon built from src/pid1/native/reaper.c. */
export interface ReaperAddon {
  /** Pids of zombies whose parent is this process (from /proc). */
  zombieChildren(): number[];
  /** waitpid(pid, WNOHANG): the pid when reaped, 0 while it runs, -errno on failure. */
  reap(pid: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): 0, or the errno. */
  setSubreaper(): number;
  /** ioctl(0, TIOCNOTTY): gives up the controlling terminal on stdin; 0, or the errno. */
  detachTerminal(): number;
}

/**
 * Loads the first existing addon of `paths` (once per path); a reason instead when none loads. By default beside
 * the bundle (dist/ci-runner.js, where import.meta.url is the bundle itself), then node-gyp's output when the
 * sources run through tsx (import.meta.url is this file).
 */
export function loadReaperAddon(
  paths: readonly string[] = [
    fileURLToPath(new URL("./reaper.node", import.meta.url)),
    fileURLToPath(new URL("./native/build/Release/reaper.node", import.meta.url)),
  ],
): ReaperAddon | { error: string } {
  return loadAddon<ReaperAddon>("reaper.node", paths);
}
