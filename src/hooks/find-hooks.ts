import { readdirSync, statSync } from "node:fs";

const HOOK_NAME = /^entrypoint\..+\.sh$/;

/**
 * `dir/entrypoint.*.sh` in bytewise name order (not locale order, so that
 * `entrypoint.10-x.sh` and `entrypoint.9-y.sh` sort as `ls` with LC_ALL=C).
 * A missing directory has no hooks; one that cannot be read throws (its
 * hooks exist but would be skipped: the caller says so).
 */
export function findHooks(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw e;
  }
  return names
    .filter((n) => HOOK_NAME.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => `${dir}/${n}`)
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}
