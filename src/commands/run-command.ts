import { existsSync } from "node:fs";
import { findExecutable } from "../fs/find-executable.ts";
import type { Logger } from "../log/logger.ts";
import { forwardSignals } from "../pid1/forward-signals.ts";
import { handOverTerminal } from "../pid1/hand-over-terminal.ts";
import { startProcess, type ProcessHandle } from "../process/start-process.ts";

/**
 * `docker run -it ci-runner bash` (any command not ours): runs it as tini or dumb-init would, in a process group
 * of its own that owns the terminal, relaying every signal meant for it; exits with its code or 128 + signal.
 */
export async function runCommand(argv: readonly string[], log: Logger): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  let child: ProcessHandle | undefined;
  const swallow = new Set<NodeJS.Signals>();
  // Before the terminal is given up: that sends us signals, and the command must get every signal from the start.
  const stopForwarding = forwardSignals((sig) => child?.signalGroup(sig), swallow);
  try {
    const plan = handOverTerminal(swallow, process.env.PATH);
    if (plan.kind === "share" && plan.why) log.warn(`${plan.why}: ${file} shares PID 1's process group and terminal, signals reach its pid only`);
    if (plan.kind === "take-terminal" && !(file.includes("/") ? existsSync(file) : findExecutable(file, process.env.PATH))) {
      // setsid would say it in its own words; the same line as without a terminal instead.
      return notFound(file);
    }
    const [cmd, cmdArgs] = plan.kind === "take-terminal" ? [plan.setsid, ["--ctty", file, ...args]] : [file, args];
    child = startProcess(cmd, cmdArgs, { stdio: "inherit", ownGroup: plan.kind === "own-session" });
    const { code, startError } = await child.result;
    if (startError === undefined) return code;
    if (code === 127) return notFound(file);
    process.stderr.write(`ci-runner: cannot run ${file}: ${startError}\n`);
    return code;
  } finally {
    stopForwarding();
  }
}

function notFound(file: string): number {
  process.stderr.write(`ci-runner: cannot run ${file}: no such command\n`);
  return 127;
}
