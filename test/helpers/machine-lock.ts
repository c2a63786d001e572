import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HANG_GUARD_MS } from "./hang-guard.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock file, or frees it when its holder is gone (a killed test). */
function tryTake(file: string): boolean {
  try {
    const fd = openSync(file, "wx");
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  let holder: number;
  try {
    holder = Number(readFileSync(file, "utf8"));
  } catch {
    return false; // given back meanwhile: try again
  }
  // 0: the holder is between creating the file and writing its pid.
  if (holder > 0 && !alive(holder)) rmSync(file, { force: true });
  return false;
}

/**
 * Takes `name` machine-wide (a lock file in the temp dir) and returns the
 * function that gives it back: for tests that change state every suite on
 * the machine shares, such as the test user's ~/.gitconfig, when two suites
 * run at once (a developer's and an agent's, or a load run beside the real one).
 */
export async function takeMachineLock(name: string): Promise<() => void> {
  const file = join(tmpdir(), `ci-runner-test-${name}.lock`);
  const until = Date.now() + HANG_GUARD_MS;
  while (!tryTake(file)) {
    if (Date.now() > until) throw new Error(`${file} still held by another test run after ${HANG_GUARD_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return () => unlinkSync(file);
}
