import { spawn } from "node:child_process";
import { signalExitCode } from "../pid1/exit-code.ts";
import { handleSignals } from "../pid1/handle-signals.ts";

/**
 * `docker run -it ci-runner bash` (any command that is not one of ours):
 * runs it as a child, as tini would, with the terminal, forwarding stop
 * signals and reaping orphans meanwhile; exits with its code or 128 + signal.
 */
export function runCommand(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => {
      try {
        child.kill(sig);
      } catch {
        // exited meanwhile
      }
    };
    handleSignals(forward);
    child.once("error", (e: NodeJS.ErrnoException) => {
      process.stderr.write(`ci-runner: cannot run ${file}: ${e.code === "ENOENT" ? "no such command" : (e.code ?? e.message)}\n`);
      resolve(e.code === "ENOENT" ? 127 : 126);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 1)));
  });
}
