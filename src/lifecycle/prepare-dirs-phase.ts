import { chownSync, mkdirSync } from "node:fs";
import type { Phase } from "./phase.ts";

/**
 * WORK_DIR and CACHE_DIR exist and belong to the runner user, mode 700, as
 * in the original image: jobs write there, other users of the host do not.
 */
export function createPrepareDirsPhase(): Phase {
  return {
    name: "dirs",
    async start({ config, log }) {
      const { uid, gid } = config.runnerUser;
      for (const dir of [config.WORK_DIR, config.CACHE_DIR]) {
        try {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          if (process.getuid?.() === 0) chownSync(dir, uid, gid);
        } catch (e) {
          log.warn(`cannot prepare ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
    },
  };
}
