import { realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Where the runner installed in `runnerDir` works for `workFolder`, as the
 * runner computes it: the folder combined with the runner's root (an
 * absolute folder as is). The root is the physical directory above bin/:
 * run.sh resolves its own symlinks, and the listener finds its root from
 * its own location, so a runner reached through a symlink
 * (~guest/actions-runner -> /home/runner) works under the link's target.
 */
export function runnerWorkDir(runnerDir: string, workFolder: string): string {
  return resolve(runnerRoot(runnerDir), workFolder);
}

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
