import { httpStatus } from "../github/github-error.ts";
import type { RunnerContainer } from "./container-engine.ts";
import { runnerNamePrefix, type ControllerCore } from "./controller-core.ts";
import { labelsMatch } from "./label-match.ts";
import { removeRegistration, runnerGone, watchRunner } from "./runner-lifecycle.ts";
import type { PoolRunner } from "./runner-pool.ts";
import type { WorkflowJobEvent } from "./workflow-job-event.ts";

/**
 * Docker's side: containers of ours (of this entry) that the pool does not know are adopted
 * (running) or removed (not running; a crash between create and start);
 * runners whose container vanished unseen leave the pool; a runner's container
 * still there ended at two listings in a row (its removal never reported) is removed.
 */
export async function reconcileContainers(core: ControllerCore): Promise<void> {
  const listedAt = core.now();
  // Every entry of REPOS_CONFIG_FILE shares the controller's label: its own containers carry its entry's.
  const containers = (await core.engine.list(core.settings.controllerId)).filter((c) => c.entry === core.settings.entryId);
  const byName = new Map<string, RunnerContainer>(containers.map((c) => [c.runnerName, c]));
  for (const c of containers) {
    // A runner that left while the listing was on its way (it finished its job): its container is gone, not news.
    if (core.pool.get(c.runnerName) || core.pool.leftSince(c.runnerName, listedAt)) continue;
    if (!c.running) {
      core.log.info(`removing container ${c.id.slice(0, 12)} of runner ${c.runnerName}: not running (left by an earlier run)`);
      if ((await removeContainer(core, c.id, c.runnerName)) && c.runnerId !== undefined) core.background(removeRegistration(core, c.runnerName, c.runnerId));
      continue;
    }
    const runner = core.pool.add(c.runnerName, c.createdAt);
    runner.runnerId = c.runnerId;
    runner.containerId = c.id;
    runner.containerSince = listedAt;
    core.log.info(`adopted runner ${c.runnerName} (container ${c.id.slice(0, 12)}, started ${Math.round((listedAt - c.createdAt) / 1000)} s ago)`);
    watchRunner(core, runner);
  }
  for (const r of core.pool.all()) {
    if (r.containerId === undefined || r.containerSince >= listedAt) continue;
    const listed = byName.get(r.name);
    if (listed?.id === r.containerId) {
      removeIfLeftEnded(core, r, listed, listedAt);
      continue;
    }
    // Its exit was missed (an engine restart, a removal whose wait never answered): it is gone all the same.
    core.log.warn(`runner ${r.name}: its container ${r.containerId.slice(0, 12)} is gone`);
    runnerGone(core, r);
  }
  core.pool.forgetLeftBefore(listedAt);
}

/**
 * A runner's container that exited is removed by Docker (AutoRemove), and the removal ends the wait its watcher
 * holds, which runs the runner's exit. A failed removal is reported to that wait too (the container stays, dead,
 * and the first loop above removes it), but when the wait is never answered (a removal lost in a race with
 * another client's `docker rm`, a daemon restarted meanwhile) the container stays exited and the runner would hold
 * its MAX_RUNNERS slot, and its registration, for good. Ended at one listing may be the wait's answer on its way;
 * still there at the next, it is removed here, and its exit then runs as usual.
 */
function removeIfLeftEnded(core: ControllerCore, r: PoolRunner, listed: RunnerContainer, listedAt: number): void {
  // Running, paused, being removed (AutoRemove at work) or created: not left over.
  if (!listed.ended) {
    r.endedSeenAt = undefined;
    return;
  }
  if (r.endedSeenAt === undefined) {
    r.endedSeenAt = listedAt;
    return;
  }
  const apart = Math.round((listedAt - r.endedSeenAt) / 1000);
  core.log.warn(`runner ${r.name}: its container ${listed.id.slice(0, 12)} ended but still there at two listings ${apart} s apart (its removal was never reported): removing it`);
  core.background(removeContainer(core, listed.id, r.name));
}

/**
 * Removes a container, true when it is gone; one the engine cannot remove (a busy mount) is one warning, and the
 * look goes on to the others and to the pool's runners.
 */
async function removeContainer(core: ControllerCore, id: string, runnerName: string): Promise<boolean> {
  try {
    await core.engine.remove(id);
    return true;
  } catch (e) {
    core.log.warn(`removing container ${id.slice(0, 12)} of runner ${runnerName} failed: ${(e as Error).message}`);
    return false;
  }
}

/** Per controller, the online registrations it already warned of (once each). */
const warnedOnline = new WeakMap<ControllerCore, Set<string>>();

/**
 * GitHub's runners: a registration with our name prefix that no runner of
 * the pool holds (its container never started, or the controller died
 * between the JIT config and the container) is removed once it is offline.
 * One online is a runner connected to GitHub from a container that is not
 * ours: another controller's with the same id (two controllers of one scope
 * without CONTROLLER_ID), whose idle runner the removal would end. It is left
 * alone, with one warning.
 */
export async function reconcileRegistrations(core: ControllerCore): Promise<void> {
  const prefix = runnerNamePrefix(core);
  const warned = warnedOnline.get(core) ?? new Set<string>();
  warnedOnline.set(core, warned);
  const online = new Set<string>();
  for (const r of await core.api.list(core.stopping)) {
    if (!r.name.startsWith(prefix) || core.pool.get(r.name)) continue;
    if (r.status === "online") {
      online.add(r.name);
      if (!warned.has(r.name)) {
        warned.add(r.name);
        core.log.warn(
          `registration ${r.name} (id ${r.id}) is online but no container of this controller holds it: left alone ` +
            `(another controller with the same CONTROLLER_ID "${core.settings.controllerId}"? two controllers of one scope need two ids)`,
        );
      }
      continue;
    }
    core.log.info(`registration ${r.name} (id ${r.id}) has no container: removing it`);
    core.background(removeRegistration(core, r.name, r.id));
  }
  // Only the ones still online: the set does not grow with every runner the other controller ever starts.
  for (const name of warned) if (!online.has(name)) warned.delete(name);
}

/**
 * GitHub's queue: jobs it lists as queued that no delivery announced are
 * added (a lost delivery is still served); jobs we count as pending that it
 * no longer lists were taken or cancelled while their delivery was lost,
 * and stop counting. Only jobs known before the listing began are dropped.
 * A repository whose listing fails does not stop the others; the failures are
 * thrown together at the end (the reconciliation's error, /health "degraded").
 */
export async function reconcileQueue(
  core: ControllerCore,
  repositories: readonly string[],
  apply: (ev: WorkflowJobEvent, source: "reconcile") => void,
  gone?: (repository: string) => void,
): Promise<void> {
  const began = core.now();
  const failed: string[] = [];
  for (const repository of repositories) {
    const startedAt = core.now();
    let listed;
    try {
      listed = await core.api.queuedJobs(repository, core.stopping);
    } catch (e) {
      // Deleted, renamed or out of the credential's sight: an organization's repository is no longer looked at.
      if (gone && httpStatus(e) === 404) {
        core.log.warn(`repository ${repository}: GitHub answers 404 (deleted, renamed or no longer visible to the credential): its queued jobs are no longer looked for`);
        gone(repository);
      } else failed.push(`listing the queued jobs of ${repository} failed: ${(e as Error).message}`);
      continue;
    }
    const seen = new Set<number>();
    for (const job of listed) {
      seen.add(job.id);
      if (!labelsMatch(job.labels, core.settings.runnerLabels)) continue;
      apply({ id: job.id, runId: job.runId, state: "queued", repository, labels: job.labels, runnerName: null }, "reconcile");
    }
    for (const job of core.jobs.pending()) {
      if (job.repository.toLowerCase() !== repository.toLowerCase() || seen.has(job.id) || job.updatedAt >= startedAt) continue;
      core.jobs.markGone(job.id, core.now());
      core.log.info(`job ${job.id} (${repository}) is no longer queued on GitHub (its in_progress or completed delivery was lost): not counted any more`);
    }
  }
  if (failed.length > 0) throw new Error(failed.join("; "));
  core.pool.forgetServedBefore(began);
}
