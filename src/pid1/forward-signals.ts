import { listen, releaseStopSignals, takeStartupSignals } from "./handle-signals.ts";

/**
 * What CMD mode relays to the command's process group, as dumb-init does: every signal meant for the command,
 * SIGTSTP and SIGCONT too (`docker kill -s TSTP` pauses it as Ctrl-Z would). Not those about the receiver itself
 * (SIGCHLD, SIGPIPE, SIGURG, SIGIO, SIGXCPU, SIGXFSZ, SIGPROF, SIGVTALRM, faults), nor the uncatchable ones.
 * A listener on SIGUSR1 also keeps Node from opening its inspector on it.
 */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGCONT", "SIGTSTP", "SIGALRM", "SIGPWR",
];

/** Not relayed but ignored: they say nothing about the command (its terminal use), and would stop the relay. */
const IGNORED: readonly NodeJS.Signals[] = ["SIGTTIN", "SIGTTOU"];

/**
 * Relays each FORWARDED_SIGNALS signal to `send`, with those that came before (at the next turn). The next
 * arrival of a signal in `swallow` is dropped instead, and taken out of it: giving up a terminal sends its
 * session leader one SIGHUP and one SIGCONT that are not the user's. Returns the function that removes the handlers.
 */
export function forwardSignals(send: (signal: NodeJS.Signals) => void, swallow: Set<NodeJS.Signals> = new Set()): () => void {
  const startup = takeStartupSignals(); // [] when holdStopSignals already took them
  const remove = listen(
    new Map<NodeJS.Signals, () => void>([
      ...FORWARDED_SIGNALS.map((sig) => [sig, () => swallow.delete(sig) || send(sig)] as const),
      ...IGNORED.map((sig) => [sig, () => {}] as const),
    ]),
  );
  // Held since the bundle's first statement: released before the terminal is given up (its SIGHUP is not the user's).
  const early = [...startup, ...releaseStopSignals()];
  // On the next turn: the command is started right after this returns.
  const replay = setImmediate(() => early.forEach((sig) => send(sig)));
  return () => {
    remove();
    clearImmediate(replay);
  };
}
