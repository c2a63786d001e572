/**
 * Where things live, as the ci-storage tool and action name them, so that a
 * boot-time load and a job's `ci-storage store` meet in the same places.
 */

/** The runner's default checkout directory: `$WORK_DIR/<repo>/<repo>` (the repo name repeats). */
export function checkoutDir(workDir: string, repository: string): string {
  const repo = repository.slice(repository.indexOf("/") + 1);
  return `${workDir.replace(/\/+$/, "")}/${repo}/${repo}`;
}

/**
 * The storage dir of a checkout on the storage host:
 * `<root>/<owner>/<repo>/<absolute local dir with every / turned into _>`.
 * `realLocalDir` must be the resolved path (the action uses `realpath`).
 */
export function storageDirFor(storageRoot: string, repository: string, realLocalDir: string): string {
  return `${storageRoot.replace(/\/+$/, "")}/${repository}/${realLocalDir.replaceAll("/", "_")}`;
}

/**
 * The local meta file of a local dir: `<tmp>/.ci-storage.meta.<local dir with
 * chars outside [a-zA-Z0-9_-] turned into _>`, named from the local dir as
 * given to the tool (not resolved).
 */
export function localMetaPath(localDir: string, tmpDir = "/tmp"): string {
  return `${tmpDir}/.ci-storage.meta.${localDir.replace(/\/+$/, "").replace(/[^a-zA-Z0-9_-]/g, "_")}`;
}
