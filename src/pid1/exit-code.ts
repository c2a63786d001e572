import { constants } from "node:os";
import type { StopReason } from "../lifecycle/phase.ts";

/** 128 + signal number, as shells and tini report a signal death. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * The supervisor's exit code for a stop reason: 128 + signal for a stop
 * signal; the runner's code otherwise (a persistent runner that exits by
 * itself is a failure even with code 0, so the orchestrator replaces it).
 */
export function exitCodeFor(reason: StopReason, ephemeral: boolean): number {
  switch (reason.kind) {
    case "signal":
      return signalExitCode(reason.signal);
    case "runner-exit":
      return ephemeral ? reason.code : reason.code || 1;
    case "failure":
      return reason.code;
  }
}
