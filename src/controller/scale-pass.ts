import type { ControllerCore } from "./controller-core.ts";
import type { HostSlots, SlotHolder } from "./host-slots.ts";
import { launchRunner, newRunnerName, stopIdleRunner } from "./runner-lifecycle.ts";
import { scaleDecision } from "./scale-decision.ts";
import type { StartBackoff, Wakeup } from "./start-backoff.ts";

/** What scaling keeps from one pass to the next. */
export interface ScalePacing {
  readonly backoff: StartBackoff;
  /** The next look when nothing else will come: a start backoff's end, an idle runner's grace. */
  readonly wakeup: Wakeup;
  /** The host's MAX_RUNNERS over every entry of REPOS_CONFIG_FILE (undefined: the single scope's cap only). */
  readonly host: HostSlots | undefined;
  /** The pending count last logged as waiting at a cap. */
  atCapLogged: number;
}

/**
 * One decision, taken synchronously: a runner takes its slot in the pool
 * before any await. Starts what the demand needs under the entry's cap and
 * the host's, stops idle runners past their grace above it.
 */
export function scalePass(core: ControllerCore & SlotHolder, p: ScalePacing): void {
  const now = core.now();
  const pending = Math.max(0, core.jobs.pending().length - core.pool.unconfirmedJobs());
  const counts = core.pool.counts();
  const idle = core.pool.all().filter((r) => r.phase === "idle").map((r) => ({ name: r.name, idleMs: now - (r.idleSince ?? now) }));
  const c = core.config;
  const decision = scaleDecision({ pending, warm: c.WARM_RUNNERS, max: c.MAX_RUNNERS, counts, idle, idleGraceMs: c.RUNNER_IDLE_GRACE_SEC * 1000 });
  // The host's MAX_RUNNERS, over every entry: what this entry may add now, its pending jobs first.
  const forJobs = Math.max(0, Math.min(pending - counts.starting - counts.idle, decision.start));
  const hostFree = p.host ? p.host.free(core, decision.start, forJobs) : Infinity;
  const heldByHost = decision.start > hostFree;
  const start = Math.min(decision.start, hostFree);
  const demand = `demand ${pending + c.WARM_RUNNERS} (${pending} pending + ${c.WARM_RUNNERS} warm)`;
  for (const name of decision.stop) {
    const r = core.pool.get(name);
    if (r) core.background(stopIdleRunner(core, r, `idle ${Math.round((now - (r.idleSince ?? now)) / 1000)} s above ${demand}`));
  }
  const paused = p.backoff.remaining(now);
  if (start > 0 && paused > 0) return p.wakeup.in(paused);
  const total = core.pool.size;
  for (let i = 0; i < start; i++) {
    const runner = core.pool.add(newRunnerName(core), now);
    core.log.info(
      `starting runner ${runner.name} for ${demand}: ${counts.starting + i} starting, ${counts.idle} idle, ${counts.busy} busy, ${total + i + 1}/${c.MAX_RUNNERS} runners`,
    );
    core.background(launchRunner(core, runner));
  }
  // Queued jobs before other entries' warm runners: what the host's cap holds back is asked of their idle ones.
  const short = forJobs - start;
  if (p.host && heldByHost && short > 0) {
    p.host.reclaim(core, short, `entry ${core.settings.entryId} has ${pending} queued job(s) and MAX_RUNNERS=${p.host.max} is reached on this host`);
  }
  // Idle runners above the demand wait out their grace: look again when the first one's ends.
  const excess = counts.starting + counts.idle - pending - c.WARM_RUNNERS;
  if (excess > 0 && decision.stop.length === 0 && idle.length > 0) {
    p.wakeup.in(Math.max(0, c.RUNNER_IDLE_GRACE_SEC * 1000 - Math.max(...idle.map((r) => r.idleMs))) + 10);
  }
  const atCap = core.pool.size >= c.MAX_RUNNERS || heldByHost;
  if (pending > 0 && atCap && start === 0 && counts.starting + counts.idle < pending) logAtCap(core, p, pending, heldByHost);
}

/**
 * Another entry's queued jobs need a slot of the host: one idle runner
 * beyond this entry's own pending jobs (a warm one) is stopped now,
 * longest idle first, as the idle scale-down stops it (registration first:
 * one that has just taken a job stays). False when there is none.
 */
export function yieldIdleRunner(core: ControllerCore, why: string): boolean {
  const pending = Math.max(0, core.jobs.pending().length - core.pool.unconfirmedJobs());
  const idle = core.pool.all().filter((r) => r.phase === "idle");
  if (core.stopping.aborted || idle.length <= pending) return false;
  const [runner] = idle.sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0));
  if (!runner) return false;
  core.background(stopIdleRunner(core, runner, why));
  return true;
}

/** "Waiting for a free slot" once per change of the pending count, never per pass. */
function logAtCap(core: ControllerCore, p: ScalePacing, pending: number, host: boolean): void {
  if (p.atCapLogged === pending) return;
  p.atCapLogged = pending;
  const cap = host
    ? `MAX_RUNNERS=${p.host?.max} reached on this host (every entry of REPOS_CONFIG_FILE together)`
    : `${core.settings.entryId === undefined ? "MAX_RUNNERS" : "max_runners"}=${core.config.MAX_RUNNERS} reached`;
  core.log.info(`${cap}: ${pending} pending job(s) wait for a runner to finish (none is dropped)`);
}
