import type { RunnerSummary } from "../github/runner-api.ts";
import { every } from "../lifecycle/every.ts";
import type { Phase } from "../lifecycle/phase.ts";

/**
 * The runner of a fleet (named `<prefix>-...`) that does fleet-wide chores: the alphabetically first online one.
 * Every runner computes the same from the same list, so a scaled fleet makes one set of API calls, not N.
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

/** A runner's labels as one comparable value (GitHub matches labels case-insensitively). */
function labelSet(r: RunnerSummary): string {
  return r.labels.map((l) => l.toLowerCase()).sort().join(",");
}

/**
 * One look of the offline cleanup: the runners to delete are those of our pool (named `<prefix>-...` with
 * exactly `self`'s labels, so that `ci-runner-gpu` beside `ci-runner` is never touched) but `self`, offline and
 * not busy now and in the previous look (GC_OFFLINE_AFTER_SEC earlier); only the pool's fleetLeader collects.
 */
export function offlineToDelete(
  runners: readonly RunnerSummary[],
  previousOffline: ReadonlySet<number>,
  prefix: string,
  self: string,
): { collect: boolean; offline: Set<number>; remove: RunnerSummary[] } {
  const me = runners.find((r) => r.name === self);
  const pool = me ? runners.filter((r) => r.name.startsWith(`${prefix}-`) && labelSet(r) === labelSet(me)) : [];
  const offline = new Set(pool.filter((r) => r.status !== "online" && !r.busy && r.name !== self).map((r) => r.id));
  const collect = me !== undefined && fleetLeader(pool, prefix) === self;
  const remove = collect ? pool.filter((r) => offline.has(r.id) && previousOffline.has(r.id)) : [];
  return { collect, offline, remove };
}

/** RUNNER_GC_OFFLINE: a container killed with SIGKILL (or too early to catch its signal) cannot deregister itself. */
export function createGcOfflinePhase(): Phase {
  let stopTicks: (() => void) | undefined;
  return {
    name: "gc-offline",
    async start(ctx) {
      const { config, log } = ctx;
      if (!config.RUNNER_GC_OFFLINE) return;
      const kind = config.credentials?.kind;
      // A pre-issued JIT runner is GitHub's to remove; a registration token was already warned about at registration.
      if (kind === "jit") return;
      if (kind !== "pat" && kind !== "app") {
        log.info(`offline cleanup (RUNNER_GC_OFFLINE) is off: it lists runners with GH_TOKEN or a GitHub App, and ${config.credentials?.variable} cannot`);
        return;
      }
      const afterSec = config.gcOfflineAfterSec;
      if (config.CI_STORAGE_HOST && afterSec <= config.CI_STORAGE_LOAD_TIMEOUT_SEC) {
        log.warn(`GC_OFFLINE_AFTER_SEC (${afterSec}) <= CI_STORAGE_LOAD_TIMEOUT_SEC (${config.CI_STORAGE_LOAD_TIMEOUT_SEC}): a runner still warming up may look offline long enough to be removed`);
      }
      const api = await ctx.github();
      const self = ctx.runner.name ?? "";
      let previous = new Set<number>();
      stopTicks = every(
        afterSec * 1000,
        async () => {
          const { offline, remove } = offlineToDelete(await api.list(ctx.stopping), previous, config.RUNNER_NAME_PREFIX, self);
          for (const r of remove) {
            const result = await api.delete(r.id, ctx.stopping);
            if (result === "deleted") log.info(`offline cleanup: deleted runner ${r.name} (id ${r.id}), offline in two looks`);
          }
          previous = offline;
        },
        (e) => log.warn(`offline cleanup: ${e.message}`),
        { now: true },
      );
    },
    stop: async () => stopTicks?.(),
  };
}
