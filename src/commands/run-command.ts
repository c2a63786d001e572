import { handleSignals } from "../pid1/handle-signals.ts";
import { startProcess } from "../process/start-process.ts";

/**
 * `docker run -it ci-runner bash` (any command that is not one of ours):
 * runs it as a child, as tini would, with the terminal, forwarding stop
 * signals and reaping orphans meanwhile; exits with its code or 128 + signal.
 */
export async function runCommand(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  const child = startProcess(file, args, { stdio: "inherit", ownGroup: false });
  handleSignals((sig) => child.signalGroup(sig));
  const { code, startError } = await child.result;
  if (startError === undefined) return code;
  process.stderr.write(`ci-runner: cannot run ${file}: ${code === 127 ? "no such command" : startError}\n`);
  return code;
}
