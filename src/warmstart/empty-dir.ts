import { readdirSync, rmSync } from "node:fs";

/** Removes everything inside `dir`, keeping `dir` itself (its owner and mode stay). */
export function emptyDir(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) rmSync(`${dir}/${name}`, { recursive: true, force: true, maxRetries: 2 });
}
