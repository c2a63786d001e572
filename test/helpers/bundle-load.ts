import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The bundle's code: the CommonJS entry and supervisor (.js), the other commands' ES modules and chunks (.mjs). */
const isCode = (f: string) => /\.m?js$/.test(f);

/**
 * The static imports of a file of the esbuild bundle: `import ... from "./x.mjs"` and `import "./x.mjs"` in an
 * ES module, `require("./x.js")` at the top level of a CommonJS file. esbuild indents what runs later: the
 * entry's require() of a command, inside the function that runs it, is not counted.
 */
function staticImports(source: string): string[] {
  const imports = source.matchAll(/^import\s(?:[^;]*?\sfrom\s)?"\.\/([^"]+)";?$/gms);
  const requires = source.matchAll(/^\S.*?\brequire\("\.\/([^"]+)"\)/gm);
  return [...imports, ...requires].map((m) => m[1] as string);
}

/**
 * The files of dist/ that Node reads when it loads `entries` (file names, or
 * a command's module without its extension, such as "ci-runner-supervisor-command"):
 * each with everything it imports statically, and their total size.
 */
export function bundleLoad(dist: string, entries: readonly string[]): { files: string[]; bytes: number } {
  const all = readdirSync(dist).filter(isCode);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of staticImports(readFileSync(join(dist, file), "utf8"))) visit(dep);
  };
  for (const entry of entries) {
    const file = all.find((f) => f === entry || f === `${entry}.js` || f === `${entry}.mjs`);
    if (file === undefined) throw new Error(`no ${entry} in ${dist} (npm run build)`);
    visit(file);
  }
  const files = [...seen];
  return { files, bytes: files.reduce((n, f) => n + statSync(join(dist, f)).size, 0) };
}

/** Every JavaScript file of the bundle, in bytes. */
export function bundleBytes(dist: string): number {
  return readdirSync(dist)
    .filter(isCode)
    .reduce((n, f) => n + statSync(join(dist, f)).size, 0);
}
