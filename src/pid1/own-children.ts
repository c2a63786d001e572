import { ChildProcess } from "node:child_process";

/**
 * Children that node spawned through libuv, by pid, until their 'exit'.
 * libuv waits for each of them with waitpid(pid) and reports the status as
 * 'exit'; if the reaper took such a zombie first, libuv would get ECHILD and
 * the 'exit' event would never come.
 */
const own = new Map<number, ChildProcess>();
let installed = false;

/**
 * Starts tracking every child spawned through node:child_process from now
 * on (spawn, exec, execFile, fork all go through `ChildProcess.prototype.spawn`).
 * Idempotent. The wrapper stays for the life of the process: tracking is
 * harmless, and unwrapping could undo someone else's later wrapper.
 *
 * Not covered, by design: spawnSync/execSync need nothing (the JS thread is
 * blocked until they have reaped their child, so the reaper cannot run
 * meanwhile); children spawned by worker threads or by other native addons
 * (node-pty) are invisible here and must not be used beside the reaper.
 */
export function trackOwnChildren(): void {
  if (installed) return;
  installed = true;
  // Internal, untyped method: lib/child_process.js calls `child.spawn(options)`.
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, ...args: unknown[]): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      own.set(pid, this);
      this.once("exit", () => {
        if (own.get(pid) === this) own.delete(pid);
      });
    }
    return result;
  };
}

/**
 * True while `pid` belongs to a child that libuv still has to reap. A pid
 * whose ChildProcess already exited (someone removed our 'exit' listener) was
 * recycled by the kernel: it is somebody else's now.
 */
export function isOwnChild(pid: number): boolean {
  const child = own.get(pid);
  if (child === undefined) return false;
  if (child.exitCode === null && child.signalCode === null) return true;
  own.delete(pid);
  return false;
}
