import { constants } from "node:os";
import type { StopReason } from "../lifecycle/phase.ts";

/** 128 + signal number, as shells and tini report a signal death. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** A child's exit code as a shell reports it: its code, or 128 + the signal that killed it. */
export function childExitCode(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal ? signalExitCode(signal) : 1);
}

/** What a shell exits with for a command it could not run: 127 when not found, 126 otherwise. */
export function spawnFailureCode(error: NodeJS.ErrnoException): number {
  return error.code === "ENOENT" ? 127 : 126;
}

/** The supervisor's exit code; a persistent runner that exits by itself fails even with code 0, so the orchestrator replaces it. */
export function exitCodeFor(reason: StopReason, ephemeral: boolean): number {
  if (reason.kind === "signal") return signalExitCode(reason.signal);
  if (reason.kind === "runner-exit") return ephemeral ? reason.code : reason.code || 1;
  return reason.code;
}
