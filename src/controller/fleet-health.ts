import type { Config } from "../config/load-config.ts";
import type { FleetMember } from "./fleet.ts";

const at = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());

/**
 * GET /health with REPOS_CONFIG_FILE: the host's totals (MAX_RUNNERS,
 * pending jobs, runners by state), the last reload, and under `entries`
 * each entry's own health (as the single-scope mode shows it) with its
 * scope, webhook path and cap; an entry GitHub refused at a reload is
 * `failed` with its line, a removed one `draining` until its last runner is gone.
 */
export function fleetHealth(o: {
  base: Config;
  stopping: boolean;
  members: readonly FleetMember[];
  failed: ReadonlyMap<string, string>;
  lastReload: { at: number; error: string | undefined } | undefined;
}): Record<string, unknown> {
  const runners = { starting: 0, idle: 0, busy: 0, stopping: 0 };
  let pending = 0;
  const entries: Record<string, unknown> = {};
  const statuses: string[] = [];
  for (const m of o.members) {
    const h = m.controller.health() as { status: string; pending: number; runners: typeof runners };
    statuses.push(h.status);
    pending += h.pending;
    for (const k of Object.keys(runners) as (keyof typeof runners)[]) runners[k] += h.runners[k];
    const scope = m.entry.config.scope;
    entries[m.entry.id ?? ""] = { ...h, scope: `${scope?.kind} ${scope?.name}`, webhook_path: m.entry.path };
  }
  for (const [id, error] of o.failed) entries[id] = { status: "failed", error };
  const status = o.stopping
    ? "stopping"
    : statuses.includes("starting")
      ? "starting"
      : statuses.includes("degraded") || o.failed.size > 0 || o.lastReload?.error !== undefined
        ? "degraded"
        : "ok";
  return {
    status,
    max_runners: o.base.MAX_RUNNERS,
    warm_runners: o.base.WARM_RUNNERS,
    pending,
    runners,
    config_file: o.base.REPOS_CONFIG_FILE ?? null,
    last_reload_at: at(o.lastReload?.at),
    last_reload_error: o.lastReload?.error ?? null,
    entries,
  };
}
