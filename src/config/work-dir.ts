import { ConfigError } from "./config-error.ts";
import type { Credentials } from "./credentials.ts";
import { jitRunnerSettings } from "../runner/jit-runner-settings.ts";
import { runnerWorkDir } from "../runner/runner-work-dir.ts";

/**
 * The directory jobs work in, which the supervisor prepares and warm-starts:
 * WORK_DIR, except with a pre-issued JIT config (actions-runner-controller),
 * whose work folder the runner obeys instead. There a WORK_DIR set to
 * another directory would warm-start a directory no job uses: exit 78.
 */
export function resolveWorkDir(workDir: string, workDirSet: boolean, credentials: Credentials | undefined, runnerDir: string): string {
  if (credentials?.kind !== "jit") return workDir;
  const folder = jitRunnerSettings(credentials.jitConfig).workFolder;
  const jitDir = runnerWorkDir(runnerDir, folder);
  if (workDirSet && runnerWorkDir(runnerDir, workDir) !== jitDir) {
    throw new ConfigError(
      "WORK_DIR",
      `${workDir}, but the runner of ACTIONS_RUNNER_INPUT_JITCONFIG works in ${jitDir} (its work folder "${folder}", which actions-runner-controller takes from the runner container's workingDir); unset WORK_DIR, or set workingDir`,
    );
  }
  return jitDir;
}
