import { spawn } from "node:child_process";

/** What a finished command left behind. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long; the result then has code null. Default 10 min. */
  readonly timeoutMs?: number;
  /** Reject unless the exit code is 0 (default true). */
  readonly check?: boolean;
}

/**
 * Runs `cmd args` to its end and collects its output. With `check` (the
 * default), a non-zero exit rejects with the command line and its stderr.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      const result = { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      if ((opts.check ?? true) && code !== 0) {
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`));
      } else {
        resolve(result);
      }
    });
  });
}
