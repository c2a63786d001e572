import { chmodSync, chownSync, closeSync, fchmodSync, fchownSync, linkSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { makeDirs } from "../fs/make-dirs.ts";

/** Who should own what the supervisor writes for another user. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

const isRoot = (process.getuid?.() ?? 0) === 0;

function chownIfRoot(path: string, owner: Owner): void {
  // Without root (dev setups) files stay ours: the only user we can serve is ourselves.
  if (isRoot) chownSync(path, owner.uid, owner.gid);
}

/**
 * Writes `content` to `path` atomically (a temp file in the same directory,
 * then rename), owned by `owner` with `mode`: a reader never sees half a file.
 */
export function writeOwnedFile(path: string, content: string, owner: Owner, mode: number): void {
  const tmp = `${path}.tmp.${process.pid}`;
  try {
    writeFileSync(tmp, content, { mode });
    chmodSync(tmp, mode);
    chownIfRoot(tmp, owner);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `path` with `content`, owned by `owner` with `mode`, only where nothing is (not even a symlink):
 * false when something is. Written beside it and linked in, so a reader never sees half a file; the mode and
 * owner are set through the descriptor, never through a name the owner could swap for a symlink.
 */
export function createOwnedFile(path: string, content: string, owner: Owner, mode: number): boolean {
  const tmp = `${path}.tmp.${process.pid}`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx", mode);
  try {
    try {
      writeSync(fd, content);
      fchmodSync(fd, mode);
      if (isRoot) fchownSync(fd, owner.uid, owner.gid);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Creates `path` and its missing parents; every directory it created gets
 * `owner` and `mode`, and `path` itself gets `owner` even when it existed.
 */
export function makeOwnedDir(path: string, owner: Owner, mode: number): void {
  const first = makeDirs(path, mode);
  if (first === undefined) {
    chownIfRoot(path, owner);
    return;
  }
  for (let dir = path; dir.length >= first.length; dir = dir.slice(0, dir.lastIndexOf("/")) || "/") {
    chmodSync(dir, mode);
    chownIfRoot(dir, owner);
    if (dir === first) break;
  }
}
