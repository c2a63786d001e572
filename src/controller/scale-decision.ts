import type { PhaseCounts } from "./runner-pool.ts";

export interface ScaleInput {
  readonly pending: number;
  readonly warm: number;
  readonly max: number;
  readonly counts: PhaseCounts;
  /** Idle runners with how long each has been idle (ms). */
  readonly idle: readonly { readonly name: string; readonly idleMs: number }[];
  readonly idleGraceMs: number;
}

/**
 * Demand, not binding: keep (idle + starting) >= pending + warm, with never
 * more than `max` runners in all (busy and stopping ones hold their slot).
 * Above the demand, idle runners past their grace are stopped, longest
 * idle first; starting ones are left to boot (the demand may come back).
 */
export function scaleDecision(s: ScaleInput): { start: number; stop: string[] } {
  const total = s.counts.starting + s.counts.idle + s.counts.busy + s.counts.stopping;
  const want = s.pending + s.warm;
  const ready = s.counts.starting + s.counts.idle;
  const start = Math.max(0, Math.min(want - ready, s.max - total));
  const excess = ready - want;
  const stop =
    excess <= 0
      ? []
      : [...s.idle]
          .filter((r) => r.idleMs >= s.idleGraceMs)
          .sort((a, b) => b.idleMs - a.idleMs)
          .slice(0, excess)
          .map((r) => r.name);
  return { start, stop };
}
