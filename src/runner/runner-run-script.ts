import { existsSync } from "node:fs";

/** The name the image gives the runner's own run.sh, since /home/runner/run.sh (ARC's command) is the supervisor. */
export const RENAMED_RUN_SH = "run-runner.sh";

/**
 * The runner's own run.sh in `runnerDir`: run-runner.sh in the image, run.sh
 * in a runner directory laid out as the release tarball.
 */
export function runnerRunScript(runnerDir: string): string {
  const renamed = `${runnerDir}/${RENAMED_RUN_SH}`;
  return existsSync(renamed) ? renamed : `${runnerDir}/run.sh`;
}
