import { readdirSync, statSync } from "node:fs";

const HOOK_NAME = /^entrypoint\..+\.sh$/;

/**
 * `dir/entrypoint.*.sh` in bytewise name order (not locale order, so that
 * `entrypoint.10-x.sh` and `entrypoint.9-y.sh` sort as `ls` with LC_ALL=C).
 * A missing directory has no hooks.
 */
export function findHooks(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
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
