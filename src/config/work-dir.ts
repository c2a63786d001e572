import { realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { jitRunnerSettings } from "../runner/runner-settings.ts";
import { ConfigError } from "./config-error.ts";
import type { Credentials } from "./credentials.ts";

/**
 * The directory jobs work in: WORK_DIR, but with a pre-issued JIT config the runner obeys the config's work
 * folder, and a WORK_DIR elsewhere would warm-start a directory no job uses: exit 78.
 */
export function resolveWorkDir(workDir: string, workDirSet: boolean, credentials: Credentials | undefined, runnerDir: string): string {
  if (credentials?.kind !== "jit") return workDir;
  const folder = jitRunnerSettings(credentials.jitConfig).workFolder;
  const root = runnerRoot(runnerDir);
  const jitDir = resolve(root, folder);
  if (workDirSet && resolve(root, workDir) !== jitDir) {
    throw new ConfigError(
      "WORK_DIR",
      `${workDir}, but the runner of ACTIONS_RUNNER_INPUT_JITCONFIG works in ${jitDir} (its work folder "${folder}", which actions-runner-controller takes from the runner container's workingDir); unset WORK_DIR, or set workingDir`,
    );
  }
  return jitDir;
}

/**
 * The root the runner in `runnerDir` resolves its work folder against: the physical directory above bin/ (run.sh
 * resolves its own symlinks), so that a runner reached through a symlink (~guest/actions-runner -> /home/runner)
 * works under the link's target.
 */
function runnerRoot(runnerDir: string): string {
  for (const probe of [() => dirname(realpathSync(`${runnerDir}/bin`)), () => realpathSync(runnerDir)]) {
    try {
      return probe();
    } catch {
      // not installed (yet): the runner phase says so
    }
  }
  return runnerDir;
}

/** `path` with its symlinks resolved where it exists, else as written. */
function physical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Throws a ConfigError naming WORK_DIR when it is, or holds, one of `others` (the runner, the cache, the hooks, the
 * state, the secrets): a cold start (CI_STORAGE_HOST) empties the work dir as root, and jobs write anywhere in it;
 * WORK_DIR=/ or /home would have deleted the runner itself.
 */
export function refuseWorkDirHolding(workDir: string, others: Readonly<Record<string, string | undefined>>): void {
  const work = physical(workDir);
  for (const [name, path] of Object.entries(others)) {
    if (path === undefined) continue;
    const other = physical(path);
    if (other === work || other.startsWith(work === "/" ? "/" : `${work}/`)) {
      throw new ConfigError("WORK_DIR", `${workDir} holds ${name} (${path}): a cold start empties the work dir, and jobs write anywhere in it; use a directory of its own (default /mnt)`);
    }
  }
}
