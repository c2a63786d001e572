import type { RunnerApi, RunnerSummary } from "../github/runner-api.ts";
import { every } from "../lifecycle/every.ts";
import type { Phase } from "../lifecycle/phase.ts";
import type { Logger } from "../log/logger.ts";
import { fleetLeader } from "./fleet-leader.ts";

/**
 * One look of the offline-registration collector. Returns the ids to delete:
 * runners named `<prefix>-...`, not `self`, offline and not busy now and in
 * the previous look (which the caller makes at least GC_OFFLINE_AFTER_SEC
 * earlier). Only the alphabetically first online runner of the prefix
 * collects, so a scaled fleet makes one set of API calls, not N.
 */
export function offlineToDelete(
  runners: readonly RunnerSummary[],
  previousOffline: ReadonlySet<number>,
  prefix: string,
  self: string,
): { collect: boolean; offline: Set<number>; remove: RunnerSummary[] } {
  const ours = runners.filter((r) => r.name.startsWith(`${prefix}-`));
  const offline = new Set(ours.filter((r) => r.status !== "online" && !r.busy && r.name !== self).map((r) => r.id));
  const collect = fleetLeader(runners, prefix) === self;
  const remove = collect ? ours.filter((r) => offline.has(r.id) && previousOffline.has(r.id)) : [];
  return { collect, offline, remove };
}

async function look(api: RunnerApi, previous: Set<number>, prefix: string, self: string, log: Logger, signal: AbortSignal): Promise<Set<number>> {
  const { offline, remove } = offlineToDelete(await api.list(signal), previous, prefix, self);
  for (const r of remove) {
    const result = await api.delete(r.id, signal);
    if (result === "deleted") log.info(`offline cleanup: deleted runner ${r.name} (id ${r.id}), offline in two looks`);
  }
  return offline;
}

/** RUNNER_GC_OFFLINE=1: removes registrations of our prefix that stay offline (containers killed with SIGKILL). */
export function createGcOfflinePhase(): Phase {
  let stopTicks: (() => void) | undefined;
  return {
    name: "gc-offline",
    async start(ctx) {
      const { config, log } = ctx;
      if (!config.RUNNER_GC_OFFLINE) return;
      const kind = config.credentials?.kind;
      if (kind !== "pat" && kind !== "app") {
        log.warn(`RUNNER_GC_OFFLINE needs GH_TOKEN or a GitHub App to list runners; ${config.credentials?.variable} cannot: offline cleanup is off`);
        return;
      }
      if (config.CI_STORAGE_HOST && config.GC_OFFLINE_AFTER_SEC <= config.CI_STORAGE_LOAD_TIMEOUT_SEC) {
        log.warn(`GC_OFFLINE_AFTER_SEC (${config.GC_OFFLINE_AFTER_SEC}) <= CI_STORAGE_LOAD_TIMEOUT_SEC (${config.CI_STORAGE_LOAD_TIMEOUT_SEC}): a runner still warming up may look offline long enough to be removed`);
      }
      const api = await ctx.github();
      const self = ctx.runner.name ?? "";
      let previous = new Set<number>();
      stopTicks = every(
        config.GC_OFFLINE_AFTER_SEC * 1000,
        async () => {
          previous = await look(api, previous, config.RUNNER_NAME_PREFIX, self, log, ctx.stopping);
        },
        (e) => log.warn(`offline cleanup: ${e.message}`),
        { now: true },
      );
    },
    async stop() {
      stopTicks?.();
    },
  };
}
