import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The static imports of a chunk of the esbuild bundle: `import ... from "./x.js"` and `import "./x.js"`. */
function staticImports(source: string): string[] {
  return [...source.matchAll(/^import\s(?:[^;]*?\sfrom\s)?"\.\/([^"]+)";?$/gms)].map((m) => m[1] as string);
}

/**
 * The files of dist/ that Node reads when it loads `entries` (file names, or
 * a chunk's name before its hash, such as "ci-runner-supervisor-command"):
 * each with everything it imports statically, and their total size.
 */
export function bundleLoad(dist: string, entries: readonly string[]): { files: string[]; bytes: number } {
  const all = readdirSync(dist).filter((f) => f.endsWith(".js"));
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of staticImports(readFileSync(join(dist, file), "utf8"))) visit(dep);
  };
  for (const entry of entries) {
    const file = all.find((f) => f === entry || (f.startsWith(`${entry}-`) && /^[-A-Z0-9]+\.js$/.test(f.slice(entry.length))));
    if (file === undefined) throw new Error(`no ${entry} in ${dist} (npm run build)`);
    visit(file);
  }
  const files = [...seen];
  return { files, bytes: files.reduce((n, f) => n + statSync(join(dist, f)).size, 0) };
}

/** Every JavaScript file of the bundle, in bytes. */
export function bundleBytes(dist: string): number {
  return readdirSync(dist)
    .filter((f) => f.endsWith(".js"))
    .reduce((n, f) => n + statSync(join(dist, f)).size, 0);
}
