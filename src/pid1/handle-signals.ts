import { takeStartupSignals } from "./startup-signals.ts";

/** Signals that start the graceful shutdown (a second one escalates). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

/**
 * Signals that must never kill the supervisor. Node already ignores SIGPIPE;
 * SIGTTIN/SIGTTOU stop a background process group reading/writing a tty
 * (`docker run -t` with a hook that touches the terminal).
 */
const IGNORED: readonly NodeJS.Signals[] = ["SIGTTIN", "SIGTTOU", "SIGPIPE"];

/**
 * Installs handlers: `onStop(signal, count)` for each stop signal received
 * (count 1 = graceful, 2+ = escalate). Returns the function that removes
 * them. As PID 1 the kernel drops default-action signals, so without these
 * handlers `docker stop` would wait for its SIGKILL; a stop signal that came
 * while Node was still starting is delivered now, as if it came just after.
 */
export function handleSignals(onStop: (signal: NodeJS.Signals, count: number) => void): () => void {
  const missed = takeStartupSignals(); // before our listeners replace Node's handlers
  let count = 0;
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of STOP_SIGNALS) {
    const h = () => onStop(sig, ++count);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  const ignore = () => {};
  for (const sig of IGNORED) {
    handlers.set(sig, ignore);
    process.on(sig, ignore);
  }
  for (const sig of missed) setImmediate(() => handlers.get(sig)?.());
  return () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  };
}
