import { readFileSync, realpathSync } from "node:fs";

/** The mount a path lives on, from /proc/self/mountinfo. */
export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
}

// mountinfo escapes space, tab, newline and backslash as octal (\040).
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo lines: `id parent major:minor root mountpoint options [optional...] - fstype source super-options`. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    if (dash < 6 || mountPoint === undefined || fsType === undefined) continue;
    entries.push({ mountPoint: unescape(mountPoint), fsType });
  }
  return entries;
}

function contains(mountPoint: string, path: string): boolean {
  return mountPoint === "/" || path === mountPoint || path.startsWith(mountPoint + "/");
}

/**
 * The mount holding `path` (already resolved): the longest mount point that
 * contains it, the last one listed when several are stacked on one point.
 */
export function mountOf(path: string, entries: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    if (contains(e.mountPoint, path) && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}

/** The mount of `path` in this process's mount namespace; undefined when it cannot be told. */
export function mountOfPath(path: string): MountEntry | undefined {
  try {
    return mountOf(realpathSync(path), parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8")));
  } catch {
    return undefined;
  }
}
