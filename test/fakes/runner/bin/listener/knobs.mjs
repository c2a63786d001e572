// Test knobs of the fake runner, all from the environment (documented in
// test/fakes/runner/README.md).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function num(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

export const knobs = {
  /** Pause between retries of session creation and message polls (real: 30 s / 15-60 s). */
  retryMs: num("FAKE_RUNNER_RETRY_MS", 2000),
  /** How long a session conflict is retried before exit 5 (real: 240 s). */
  conflictLimitMs: num("FAKE_RUNNER_SESSION_CONFLICT_LIMIT_MS", 240_000),
  /** Long-poll wait asked of the server per message request. */
  pollMs: num("FAKE_RUNNER_POLL_MS", 10_000),
  /** Crash the listener this long after `run` starts: SIGKILL itself, or exit FAKE_RUNNER_CRASH_EXIT_CODE. */
  crashAfterMs: num("FAKE_RUNNER_CRASH_AFTER_MS", undefined),
  crashExitCode: num("FAKE_RUNNER_CRASH_EXIT_CODE", undefined),
  /** A line written as an error into the _diag Runner log once listening. */
  diagError: process.env.FAKE_RUNNER_DIAG_ERROR || undefined,
  /** When the registration is deleted, hang logging "Registration was not found or is not medium trust" instead of exiting. */
  stuckWhenDeleted: (process.env.FAKE_RUNNER_STUCK_WHEN_DELETED ?? "") !== "",
  /** Runner version it reports. */
  version: process.env.FAKE_RUNNER_VERSION || "2.336.0",
};

/**
 * FAKE_RUNNER_EXIT_CODES="3,2,0": the n-th `run` of this runner directory
 * exits with the n-th code right after "Listening for Jobs" (counted in
 * _diag/.fake-run-count); past the list, runs normally.
 */
export function nextForcedExitCode(root) {
  const list = (process.env.FAKE_RUNNER_EXIT_CODES ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (list.length === 0) return undefined;
  const counter = join(root, "_diag", ".fake-run-count");
  let n = 0;
  try {
    n = Number(readFileSync(counter, "utf8")) || 0;
  } catch {
    n = 0;
  }
  mkdirSync(join(root, "_diag"), { recursive: true });
  writeFileSync(counter, String(n + 1));
  return n < list.length ? Number(list[n]) : undefined;
}
