#!/usr/bin/env node
// Fills the V8 code cache of the bundle's files (Node >= 22.1's compile
// cache) in DIR/compile-cache, for the Dockerfile: the image's supervisor
// then starts every command from compiled code (src/compile-cache.ts).
// Loading a command's file or chunk only defines its functions and constants:
// nothing of ci-runner runs. On a Node without a compile cache it says so and
// exits 0. --load-only loads every file without a cache, on any Node: npm test
// checks that way that loading them runs nothing.
//   node scripts/fill-compile-cache.mjs /opt/ci-runner
import module, { createRequire } from "node:module";
import { mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const loadOnly = process.argv.includes("--load-only");
const dir = resolve(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "dist");
if (!loadOnly && typeof module.enableCompileCache !== "function") {
  console.log(`node ${process.version} has no compile cache (Node >= 22.1): ${dir}/compile-cache not made`);
  process.exit(0);
}
if (!loadOnly) {
  mkdirSync(join(dir, "compile-cache"), { recursive: true });
  module.enableCompileCache(join(dir, "compile-cache"));
}
// The commands' files and chunks only: the entry (ci-runner.js) would run a command, and it is compiled before
// it turns the cache on. The supervisor and the stop-signal file are CommonJS (.js), the others ES modules.
const files = readdirSync(dir).filter((f) => /^ci-runner-.*\.m?js$/.test(f));
const require = createRequire(join(dir, "ci-runner.js"));
for (const f of files) {
  if (f.endsWith(".mjs")) await import(pathToFileURL(join(dir, f)).href);
  else require(join(dir, f));
}
if (loadOnly) {
  console.log(`loaded ${files.length} files of ${dir} (node ${process.version})`);
  process.exit(0);
}
module.flushCompileCache?.();
console.log(`compile cache of ${files.length} files in ${dir}/compile-cache (node ${process.version})`);
process.exit(0);
