import { chown, cp, readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The fake runner's directory (a stand-in for an extracted actions-runner tarball). */
export const FAKE_RUNNER_DIR = dirname(fileURLToPath(import.meta.url));

/** Files of this directory that are not part of the runner layout, or that a run leaves behind. */
const SKIP = new Set(["install-fake-runner.ts", "script-process.ts", "make-tarball.sh", "README.md", ".runner", ".credentials", ".credentials_rsaparams", ".env", ".path", "_diag", "_work", "run-helper.sh"]);

/**
 * Copies the fake runner into `dir` (created if missing) with the layout of
 * the real tarball: config.sh, run.sh, run-helper.sh.template, env.sh,
 * safe_sleep.sh, bin/, externals/. With `owner`, the copy is chowned to
 * that user, as a runner directory owned by the runner user.
 */
export async function installFakeRunner(dir: string, owner?: { uid: number; gid: number }): Promise<void> {
  await cp(FAKE_RUNNER_DIR, dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(FAKE_RUNNER_DIR, src);
      return rel === "" || !SKIP.has(rel.split("/")[0]!);
    },
  });
  if (owner) await chownTree(dir, owner.uid, owner.gid);
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}
