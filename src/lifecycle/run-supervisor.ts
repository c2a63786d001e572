import type { Config } from "../config/load-config.ts";
import { ConfigError, EXIT_CONFIG } from "../config/config-error.ts";
import type { Logger } from "../log/logger.ts";
import { exitCodeFor } from "../pid1/exit-code.ts";
import { handleSignals } from "../pid1/handle-signals.ts";
import { gitHubMessage, httpStatus } from "../github/github-error.ts";
import { BootError } from "./boot-error.ts";
import { catchStrayErrors, EXIT_INTERNAL } from "./catch-stray-errors.ts";
import { createContext } from "./create-context.ts";
import type { Phase, StopReason } from "./phase.ts";
import { StateStore } from "./state-store.ts";

/** The exit code a boot failure maps to; unexpected errors are bugs and keep their stack. */
function failureOf(e: unknown): { code: number; message: string } {
  if (e instanceof ConfigError) return { code: EXIT_CONFIG, message: e.message };
  if (e instanceof BootError) return { code: e.exitCode, message: e.message };
  // Any other answer of GitHub's is one line too: it is about the world, not a bug here.
  if (httpStatus(e) !== undefined) return { code: 1, message: `GitHub answered ${httpStatus(e)}: ${gitHubMessage(e)}` };
  return { code: 1, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/** Starts the phases, waits for a stop (signal, runner exit, failure), stops the started ones in reverse; resolves to the exit code. */
export async function runSupervisor(config: Config, phases: readonly Phase[], log: Logger, ephemeral = false): Promise<number> {
  const stopCtl = new AbortController();
  const escalateCtl = new AbortController();
  let reason: StopReason | undefined;
  let resolveStop!: (r: StopReason) => void;
  const stopRequested = new Promise<StopReason>((r) => (resolveStop = r));

  const requestStop = (r: StopReason) => {
    if (reason) return;
    reason = r;
    stopCtl.abort();
    resolveStop(r);
    const timeout = config.SHUTDOWN_TIMEOUT_SEC;
    if (timeout > 0) {
      setTimeout(() => {
        if (!escalateCtl.signal.aborted) log.warn(`SHUTDOWN_TIMEOUT_SEC (${timeout} s) reached: cancelling what still runs`);
        escalateCtl.abort();
      }, timeout * 1000).unref();
    }
  };

  const removeSignals = handleSignals((signal, count) => {
    if (count === 1) {
      log.info(`${signal} received: graceful shutdown (a running job finishes first; send it again to cancel the job)`);
      requestStop({ kind: "signal", signal });
    } else if (!escalateCtl.signal.aborted) {
      log.warn(`${signal} received again: cancelling the running job and stopping now`);
      escalateCtl.abort();
    }
  });

  const removeNet = catchStrayErrors(log, () => requestStop({ kind: "failure", code: EXIT_INTERNAL, message: "internal error", drain: true }));

  const state = new StateStore(config.CI_RUNNER_STATE_FILE, (line) => log.warn(line));
  const ctx = createContext(config, log, state, { stopping: stopCtl.signal, escalated: escalateCtl.signal, requestStop });

  const started: Phase[] = [];
  try {
    for (const phase of phases) {
      // One turn of the event loop between phases: most start synchronously, and without it nothing that waits
      // on I/O (the token prefetch's connection, a signal) moves until a phase waits for something itself.
      if (started.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopCtl.signal.aborted) break;
      // Counted as started before its start resolves: a stop mid-start still runs its stop.
      started.push(phase);
      await phase.start(ctx);
    }
  } catch (e) {
    if (stopCtl.signal.aborted) {
      log.info(`boot interrupted: ${e instanceof Error ? e.message : String(e)}`);
    } else {
      const f = failureOf(e);
      log.error(f.message);
      requestStop({ kind: "failure", code: f.code, message: f.message });
    }
  }

  const why = await stopRequested;
  for (const phase of started.reverse()) {
    try {
      await phase.stop?.(ctx, why);
    } catch (e) {
      log.error(`stopping ${phase.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  removeSignals();
  removeNet();
  const code = exitCodeFor(why, ephemeral);
  state.update({ state: code === 0 || why.kind === "signal" ? "stopped" : "failed" });
  log.info(`exiting with code ${code}`);
  return code;
}
