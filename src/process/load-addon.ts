import { existsSync } from "node:fs";

const loaded = new Map<string, unknown>();

/**
 * Loads the first existing N-API addon of `paths` (once per path), or says why none loads: "NAME not found
 * (looked in ...)" or "cannot load PATH: ...". Callers list the file beside the bundle first, then node-gyp's
 * output for when the sources run through tsx.
 */
export function loadAddon<T>(name: string, paths: readonly string[]): T | { error: string } {
  const path = paths.find((p) => existsSync(p));
  if (path === undefined) return { error: `${name} not found (looked in ${paths.join(", ")})` };
  const known = loaded.get(path);
  if (known) return known as T;
  const module = { exports: {} as T };
  try {
    process.dlopen(module, path);
  } catch (err) {
    return { error: `cannot load ${path}: ${(err as Error).message}` };
  }
  loaded.set(path, module.exports);
  return module.exports;
}
