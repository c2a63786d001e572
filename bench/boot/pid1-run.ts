import { spawn, type ChildProcess } from "node:child_process";
import { signalExitCode } from "../../src/pid1/exit-code.ts";
import { relayLines } from "../../src/process/relay-lines.ts";
import { firstChild } from "./process-tree.ts";

/** An entrypoint started as PID 1 of its own PID namespace, watched line by line. */
export interface Pid1Run {
  readonly child: ChildProcess;
  /** performance.now() at spawn. */
  readonly startedAt: number;
  readonly lines: string[];
  /** Resolves with performance.now() at exit, and the exit code (128 + signal when killed). */
  readonly exited: Promise<{ at: number; code: number }>;
  /** performance.now() when the first line matching `re` arrived; rejects at exit or after `timeoutMs`. */
  lineAt(re: RegExp, timeoutMs: number): Promise<number>;
  /** Host pid of the namespace's PID 1 (unshare's child). */
  pid1(): number;
}

/**
 * Runs `argv` as PID 1 (`unshare --pid --fork --mount-proc --kill-child`),
 * the way the integration tests run the supervisor, through
 * `env -u NODE_OPTIONS` so that no tsx loader leaks into it.
 */
export function startPid1(argv: readonly string[], env: Record<string, string>): Pid1Run {
  const cmd = ["-u", "NODE_OPTIONS", "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...argv];
  const startedAt = performance.now();
  const child = spawn("/usr/bin/env", cmd, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const watchers = new Set<{ re: RegExp; hit: (at: number) => void }>();
  const onLine = (line: string): void => {
    lines.push(line);
    const at = performance.now();
    for (const w of watchers) if (w.re.test(line)) w.hit(at);
  };
  relayLines(child.stdout, onLine);
  relayLines(child.stderr, onLine);
  const exited = new Promise<{ at: number; code: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ at: performance.now(), code: code ?? (signal ? signalExitCode(signal) : 1) })),
  );
  let inner: number | undefined;
  return {
    child,
    startedAt,
    lines,
    exited,
    pid1() {
      inner ??= child.pid === undefined ? undefined : firstChild(child.pid);
      if (inner === undefined) throw new Error("PID 1 of the namespace not found");
      return inner;
    },
    lineAt(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail(`no line matching ${re} within ${timeoutMs} ms`), timeoutMs);
        const w = {
          re,
          hit: (at: number) => {
            watchers.delete(w);
            clearTimeout(timer);
            resolve(at);
          },
        };
        const fail = (why: string): void => {
          if (!watchers.delete(w)) return;
          clearTimeout(timer);
          reject(new Error(`${why}; output:\n${lines.slice(-30).join("\n")}`));
        };
        watchers.add(w);
        void exited.then(() => setTimeout(() => fail("exited first"), 50));
      });
    },
  };
}
