import type { RunnerSummary } from "../github/runner-api.ts";

/**
 * The one runner of a fleet (runners named `<prefix>-...`) that does
 * fleet-wide chores (offline cleanup, fleet metrics): the alphabetically
 * first online one. Every runner computes the same answer from the same
 * list, so a scaled fleet makes one set of API calls, not N.
 */
export function fleetLeader(runners: readonly RunnerSummary[], prefix: string): string | undefined {
  return runners
    .filter((r) => r.name.startsWith(`${prefix}-`) && r.status === "online")
    .map((r) => r.name)
    .sort()[0];
}

/** Idle, active (busy), offline and all runners of the fleet, and ActiveRunnersPercent (100 when none is online). */
export function fleetCounts(runners: readonly RunnerSummary[], prefix: string) {
  const ours = runners.filter((r) => r.name.startsWith(`${prefix}-`));
  const active = ours.filter((r) => r.busy).length;
  const idle = ours.filter((r) => r.status === "online" && !r.busy).length;
  const offline = ours.filter((r) => r.status !== "online" && !r.busy).length;
  return {
    IdleRunnersCount: idle,
    ActiveRunnersCount: active,
    OfflineRunnersCount: offline,
    AllRunnersCount: ours.length,
    ActiveRunnersPercent: idle + active === 0 ? 100 : Math.round((1000 * active) / (idle + active)) / 10,
  };
}
