import { constants } from "node:os";
import type { UserInfo } from "../config/lookup-user.ts";
import { signalGroup } from "./signal-group.ts";
import { spawnAs } from "./spawn-as.ts";

export interface GroupRunResult {
  /** Exit code; 128 + n when killed by signal n; 127 when it could not start. */
  readonly code: number;
  /** True when `signal` aborted the run and the group was killed. */
  readonly aborted: boolean;
  /** The last 8 KiB of stderr. */
  readonly stderr: string;
  /** All of stdout when `collectStdout` is set. */
  readonly stdout: string;
}

export interface GroupRunOptions {
  readonly env: Record<string, string>;
  /** Aborting kills the whole process group (SIGTERM, then SIGKILL after `graceMs`). */
  readonly signal: AbortSignal;
  readonly onStdout?: (chunk: string) => void;
  readonly collectStdout?: boolean;
  readonly graceMs?: number;
}

const STDERR_KEEP = 8192;

/**
 * Runs `command` as `user` in its own process group (rsync's ssh child
 * included) and resolves when it has exited and its output is drained.
 * Never rejects.
 */
export function runInGroup(user: UserInfo, command: string, args: readonly string[], opts: GroupRunOptions): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const child = spawnAs(user, command, args, { env: opts.env, stdio: ["ignore", "pipe", "pipe"], ownGroup: true });
    let stderr = "";
    let stdout = "";
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      if (opts.collectStdout) stdout += chunk;
      opts.onStdout?.(chunk);
    });
    child.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    const onAbort = () => {
      aborted = true;
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), opts.graceMs ?? 2000);
    };
    const finish = (code: number) => {
      opts.signal.removeEventListener("abort", onAbort);
      clearTimeout(killTimer);
      resolve({ code, aborted, stderr, stdout });
    };
    child.once("error", (e: NodeJS.ErrnoException) => {
      stderr += `${command}: ${e.code === "ENOENT" ? "not found" : e.message}\n`;
      finish(127);
    });
    child.once("close", (code, signal) => finish(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener("abort", onAbort, { once: true });
  });
}
