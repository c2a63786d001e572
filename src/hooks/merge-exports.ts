/** All hooks' exports together: ARG_MAX (2 MiB) also holds the base environment and the runner's argv. */
export const MAX_EXPORTED_BYTES = 1024 * 1024;

/** What `NAME=value` takes in a process's environment block. */
function entryBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
}

/**
 * Adds a hook's exports to those of earlier hooks, in order, leaving out
 * (with one `warn` each) any that would take the whole set past
 * MAX_EXPORTED_BYTES: past the kernel's limit, every later spawn fails.
 */
export function mergeExports(exported: Map<string, string>, vars: ReadonlyMap<string, string>, warn: (message: string) => void): void {
  let total = 0;
  for (const [k, v] of exported) total += entryBytes(k, v);
  for (const [k, v] of vars) {
    const old = exported.get(k);
    const after = total + entryBytes(k, v) - (old === undefined ? 0 : entryBytes(k, old));
    if (after > MAX_EXPORTED_BYTES) {
      warn(`${k} not exported: the exports would pass ${MAX_EXPORTED_BYTES / 1024} KiB, too close to the kernel's limit for a whole environment (E2BIG)`);
      continue;
    }
    exported.set(k, v);
    total = after;
  }
}
