import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { UserInfo } from "../config/lookup-user.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { childEnv } from "../process/child-env.ts";
import { startProcess } from "../process/start-process.ts";
import { parseEnvFile } from "./parse-env-file.ts";

/** All hooks' exports together: ARG_MAX (2 MiB) also holds the base environment and the runner's argv. */
export const MAX_EXPORTED_BYTES = 1024 * 1024;

/** What `NAME=value` takes in a process's environment block. */
function entryBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
}

/** Adds a hook's exports to the earlier ones, leaving out (one `warn` each) any past MAX_EXPORTED_BYTES: else every later spawn fails. */
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

/** More than any environment can hold (ARG_MAX is 2 MiB with the usual 8 MiB stack): a runaway write, not exports. */
const MAX_ENV_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Runs one hook with bash as `user` in its own process group, merging what it appends to $CI_RUNNER_ENV into
 * `exported`. `started` is told that group's id at once: the background processes it leaves keep it alive, also
 * when the hook fails or a stop interrupts it.
 */
export async function runHook(
  path: string,
  user: UserInfo,
  exported: Map<string, string>,
  log: Logger,
  stopping: AbortSignal,
  started: (pgid: number) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-env-"));
  const envFile = join(dir, "env");
  writeFileSync(envFile, "", { mode: 0o600 });
  chownSync(dir, user.uid, user.gid);
  chownSync(envFile, user.uid, user.gid);
  const hookLog = log.child(`hook ${basename(path)}`);
  try {
    const env = { ...childEnv(user, exported), CI_RUNNER_ENV: envFile };
    const onLine = (l: string) => hookLog.relay(l);
    const proc = startProcess("/bin/bash", [path], { user, env, cwd: user.home, log: hookLog, cancelSignal: stopping, leavesBackground: true, onLine });
    if (proc.pid !== undefined) started(proc.pid);
    const { code } = await proc.result;
    if (stopping.aborted) throw new BootError(`hook ${path} was interrupted by the stop`);
    if (code !== 0) throw new BootError(`hook ${path} failed with exit code ${code}`);
    const size = statSync(envFile).size;
    if (size > MAX_ENV_FILE_BYTES) {
      hookLog.warn(`$CI_RUNNER_ENV is ${Math.ceil(size / 1048576)} MiB, over ${MAX_ENV_FILE_BYTES / 1048576} MiB: ignored, nothing exported`);
      return;
    }
    const { vars, problems } = parseEnvFile(readFileSync(envFile, "utf8"));
    for (const p of problems) hookLog.warn(`$CI_RUNNER_ENV ${p}`);
    mergeExports(exported, vars, (m) => hookLog.warn(`$CI_RUNNER_ENV: ${m}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
