import { mkdirSync, statSync } from "node:fs";

/**
 * `mkdir -p`, returning the first directory it created, as mkdirSync's `recursive` does: Node 20's spins forever,
 * at 100% CPU and deaf to signals, where mkdir answers ENOENT under an existing parent (WORK_DIR=/proc/x).
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
