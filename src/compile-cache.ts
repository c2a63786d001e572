import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

/** Beside the bundle; the image fills it at build time (scripts/fill-compile-cache.mjs). */
export const COMPILE_CACHE_DIR = "compile-cache";

/**
 * Node >= 22.1: the chunks loaded from here on (every command's code) start
 * from V8's code cache in COMPILE_CACHE_DIR beside the bundle instead of
 * being parsed and compiled, when that directory exists (the image's, built
 * with the image). Node 20 has no compile cache: nothing happens there, nor
 * without the directory (a bundle run from a checkout writes no cache).
 */
export function enableCompileCache(): void {
  const enable = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  const dir = fileURLToPath(new URL(`./${COMPILE_CACHE_DIR}/`, import.meta.url));
  if (enable && existsSync(dir)) enable(dir);
}
