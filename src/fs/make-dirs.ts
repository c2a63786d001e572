import { mkdirSync, statSync } from "node:fs";

/**
 * `mkdir -p`: creates `path` and its missing parents with `mode`; returns
 * the first directory it created (undefined when `path` existed), as
 * mkdirSync's `recursive` does. Written out because Node 20's recursive
 * mkdirSync spins forever, at 100% CPU and deaf to signals, where mkdir
 * answers ENOENT under an existing parent (WORK_DIR=/proc/x or /sys/x):
 * here that is one error naming the directory.
 */
export function makeDirs(path: string, mode = 0o777): string | undefined {
  let first: string | undefined;
  let dir = "";
  for (const part of path.split("/").filter(Boolean)) {
    dir += `/${part}`;
    try {
      mkdirSync(dir, { mode });
      first ??= dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  if (!statSync(path).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: "ENOTDIR", path });
  }
  return first;
}
