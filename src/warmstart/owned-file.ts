import { chmodSync, chownSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
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
 * Writes `content` into a new file `tmp`, owned by `owner` with `mode`, set
 * through its descriptor: never through anything already at `tmp` (O_EXCL
 * refuses even a symlink the owner planted there) nor through a name the
 * owner could swap meanwhile. These files live in the runner user's home,
 * which jobs write to, and root writes them.
 */
function writeNewFile(tmp: string, content: string | Uint8Array, owner: Owner, mode: number): void {
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx", mode);
  try {
    writeFileSync(fd, content);
    fchmodSync(fd, mode);
    if (isRoot) fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `content` to `path` atomically (a new file in the same directory,
 * then rename, which replaces a symlink at `path` rather than following it),
 * owned by `owner` with `mode`: a reader never sees half a file.
 */
export function writeOwnedFile(path: string, content: string | Uint8Array, owner: Owner, mode: number): void {
  const tmp = `${path}.tmp.${process.pid}`;
  try {
    writeNewFile(tmp, content, owner, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `path` with `content`, owned by `owner` with `mode`, only where
 * nothing is (not even a symlink): false when something is. Linked in, so a
 * reader never sees half a file.
 */
export function createOwnedFile(path: string, content: string, owner: Owner, mode: number): boolean {
  const tmp = `${path}.tmp.${process.pid}`;
  try {
    writeNewFile(tmp, content, owner, mode);
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
 * Reads a file of another user's directory as root: only a regular file of
 * at most `maxBytes`, never through a symlink (a job's link to /etc/shadow),
 * and never waiting on a FIFO or a device a job put in its place.
 */
export function readUserFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file: refused`);
    if (st.size > maxBytes) throw new Error(`${path} is ${st.size} bytes, more than ${maxBytes}: refused`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` and its missing parents; every directory it created gets
 * `owner` and `mode`, and `path` itself gets `owner` even when it existed.
 * A symlink another user made anywhere on the way (a job, in a container
 * that lives on or on a volume, owns the runner user's home and work dir) is
 * refused: root would create, chown and then write into wherever it points.
 */
export function makeOwnedDir(path: string, owner: Owner, mode: number): void {
  if (isRoot) refuseForeignSymlinks(path, owner);
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

/**
 * Throws for the first existing component of `path` that is a symlink another
 * user could have put there: one not owned by root, or root's own in a
 * directory that another user owns or may write (a rename keeps a link's
 * owner, so a job could move one of the image's links onto the path) that
 * leads to something `owner` does not own already. The image's own links, in
 * root's directories or to the runner user's own (/home/guest/actions-runner
 * -> /home/runner), are followed.
 */
function refuseForeignSymlinks(path: string, owner: Owner): void {
  let prefix = "";
  for (const part of path.split("/").filter(Boolean)) {
    const parent = prefix || "/";
    prefix = `${prefix}/${part}`;
    let link;
    try {
      link = lstatSync(prefix);
    } catch {
      return; // the rest does not exist yet: makeDirs creates it
    }
    if (!link.isSymbolicLink()) continue;
    const fix = "refused (remove it, or make it as root in the image)";
    if (link.uid !== 0) throw new Error(`${prefix} is a symlink made by uid ${link.uid}, not by root: ${fix}`);
    const dir = lstatSync(parent);
    const othersMayRename = dir.uid !== 0 || ((dir.mode & 0o022) !== 0 && (dir.mode & 0o1000) === 0);
    if (othersMayRename && statSync(prefix).uid !== owner.uid) throw new Error(`${prefix} is a symlink in ${parent}, a directory ${dir.uid !== 0 ? `uid ${dir.uid} owns` : "others may write"}, to what uid ${owner.uid} does not own: ${fix}`);
  }
}
