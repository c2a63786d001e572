import { dirname } from "node:path";
import { makeDirs } from "../fs/make-dirs.ts";
import { makeOwnedDir } from "../warmstart/owned-file.ts";
import { EXIT_CONFIG } from "../config/config-error.ts";
import { BootError } from "./boot-error.ts";
import type { Phase } from "./phase.ts";

/** The work dir and CACHE_DIR belong to the runner user, mode 700, as in the original image: only jobs write there. */
export function createPrepareDirsPhase(): Phase {
  return {
    name: "dirs",
    async start({ config, log }) {
      const workName = config.workDir === config.WORK_DIR ? "WORK_DIR" : "ACTIONS_RUNNER_INPUT_JITCONFIG's work folder";
      for (const [name, dir] of [[workName, config.workDir], ["CACHE_DIR", config.CACHE_DIR]] as const) {
        try {
          // Missing parents as mkdir -p makes them (WORK_DIR=/tmp/runner/work): the runner user must get through them.
          makeDirs(dirname(dir), 0o755);
          // A symlink a job left in its place (a container that lives on) is refused, not chowned through.
          makeOwnedDir(dir, config.runnerUser, 0o700);
        } catch (e) {
          const why = `${name}: cannot prepare ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
          // Jobs cannot run without their work directory; a cache is only an optimisation.
          if (name !== "CACHE_DIR") throw new BootError(why, EXIT_CONFIG);
          log.warn(why);
        }
      }
    },
  };
}
