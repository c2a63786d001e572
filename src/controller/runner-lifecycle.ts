import { randomBytes } from "node:crypto";
import { deregister } from "../runner/deregister.ts";
import { apiRegistration } from "../runner/registration.ts";
import { LABEL_CONTROLLER, LABEL_ENTRY, LABEL_RUNNER_ID, LABEL_RUNNER_NAME, NoSuchImage, type ContainerWatcher, type RunnerContainerSpec } from "./container-engine.ts";
import { runnerNamePrefix, type ControllerCore } from "./controller-core.ts";
import { pullImage } from "./pull-image.ts";
import type { PoolRunner } from "./runner-pool.ts";
import { runnerOutputEvent } from "./runner-output.ts";

/** Lines of a runner's output kept for the one line that reports its failure. */
const TAIL_LINES = 8;
/** How long removing the registration of a runner that is gone keeps trying (GitHub's busy flag lags its exit). */
const DEREGISTER_MS = 60_000;

/** Per runner: what stops following its output, and its boot deadline. */
interface Watch {
  unwatch: () => void;
  bootTimer: NodeJS.Timeout | undefined;
  /** Why the controller removed it, when it did. */
  why?: string;
}
const watches = new WeakMap<PoolRunner, Watch>();

export function newRunnerName(core: ControllerCore): string {
  return `${runnerNamePrefix(core)}${randomBytes(4).toString("hex")}`;
}

function containerSpec(core: ControllerCore, runner: PoolRunner, runnerId: number): RunnerContainerSpec {
  const c = core.config;
  return {
    name: runner.name,
    image: c.RUNNER_IMAGE,
    labels: {
      [LABEL_CONTROLLER]: core.settings.controllerId,
      [LABEL_RUNNER_NAME]: runner.name,
      [LABEL_RUNNER_ID]: String(runnerId),
      ...(core.settings.entryId !== undefined ? { [LABEL_ENTRY]: core.settings.entryId } : {}),
    },
    env: core.settings.runnerEnv,
    secretFiles: core.settings.runnerSecretFiles,
    binds: c.RUNNER_VOLUMES ?? [],
    network: c.RUNNER_NETWORK,
    privileged: c.RUNNER_PRIVILEGED,
    runtime: c.RUNNER_RUNTIME,
  };
}

/** Removes a registration of ours, retrying while GitHub still calls it busy; one line either way. */
export async function removeRegistration(core: ControllerCore, name: string, id: number): Promise<boolean> {
  const until = AbortSignal.any([AbortSignal.timeout(DEREGISTER_MS), core.ended]);
  return (await deregister(apiRegistration(core.api, name, () => id), core.log, { until })) === "removed";
}

/**
 * Registers `runner` through generate-jitconfig and starts its container
 * with the JIT config as a file. On any failure nothing is left: the
 * registration is removed, the runner leaves the pool (its slot frees), and
 * starts back off.
 */
export async function launchRunner(core: ControllerCore, runner: PoolRunner): Promise<void> {
  try {
    const jit = await core.api.generateJitConfig(
      { name: runner.name, labels: core.settings.runnerLabels, runnerGroupId: core.runnerGroupId, workFolder: core.config.WORK_DIR },
      core.stopping,
    );
    if (jit === "taken") throw new Error(`the name ${runner.name} is taken on GitHub (409)`);
    runner.runnerId = jit.id;
    if (core.stopping.aborted) throw new Error("the controller is stopping");
    const watcher = runnerWatcher(core, runner);
    const spec = containerSpec(core, runner, jit.id);
    let bootFrom = runner.startedAt;
    const start = (): Promise<{ id: string; unwatch: () => void }> => createContainer(core, spec, jit.encodedJitConfig, watcher, bootFrom);
    const started = await start().catch(async (e: unknown) => {
      if (!(e instanceof NoSuchImage)) throw e;
      // A big image on a slow link takes what it takes: only a pull without progress is given up. The boot timer starts once it is there.
      const stallSec = core.config.RUNNER_PULL_STALL_SEC ?? core.config.RUNNER_BOOT_TIMEOUT_SEC;
      const stallVar = core.config.RUNNER_PULL_STALL_SEC === undefined ? "RUNNER_BOOT_TIMEOUT_SEC" : "RUNNER_PULL_STALL_SEC";
      await pullImage(core.engine, e.image, stallSec * 1000, stallVar, core.stopping);
      bootFrom = core.now();
      return start();
    });
    runner.containerId = started.id;
    runner.containerSince = core.now();
    const watch = watches.get(runner);
    if (watch) watch.unwatch = started.unwatch;
    armBootTimer(core, runner, bootFrom);
    core.metrics.started();
    core.log.info(`runner ${runner.name} (id ${jit.id}) started: container ${started.id.slice(0, 12)} from ${core.config.RUNNER_IMAGE}`);
    // The stop began while it was being created: the stop's own pass did not see it.
    if (core.stopping.aborted) await stopIdleRunner(core, runner, "the controller is stopping");
  } catch (e) {
    const watch = watches.get(runner);
    if (watch) clearTimeout(watch.bootTimer);
    core.log.error(`starting runner ${runner.name} failed: ${(e as Error).message}`);
    core.pool.delete(runner.name, core.now());
    core.runnerFailed();
    if (runner.runnerId !== undefined) await removeRegistration(core, runner.name, runner.runnerId);
    core.saveSoon();
    core.scaleSoon();
  }
}

/** Creates and starts the container within RUNNER_BOOT_TIMEOUT_SEC of `bootFrom`: a hung engine is given up, not waited for forever. */
async function createContainer(core: ControllerCore, spec: RunnerContainerSpec, jitConfig: string, watcher: ContainerWatcher, bootFrom: number) {
  const bootSec = core.config.RUNNER_BOOT_TIMEOUT_SEC;
  const deadline = AbortSignal.timeout(Math.max(1, bootSec * 1000 - (core.now() - bootFrom)));
  return core.engine.start(spec, jitConfig, watcher, deadline).catch((e: unknown) => {
    if (!deadline.aborted) throw e;
    throw new Error(`its container was not created within RUNNER_BOOT_TIMEOUT_SEC=${bootSec} s (a hung Docker engine?): ${(e as Error).message}`);
  });
}

/**
 * A runner with a container still starting RUNNER_BOOT_TIMEOUT_SEC after
 * `bootFrom` (its start decision, or its image's pull when that was needed;
 * its creation, when adopted) is removed, which ends it as any exit does.
 * Armed once the container exists: a timer that fired during a slow
 * creation would find nothing to remove.
 */
function armBootTimer(core: ControllerCore, runner: PoolRunner, bootFrom = runner.startedAt): void {
  const watch = watches.get(runner);
  if (!watch) return;
  const bootLeft = core.config.RUNNER_BOOT_TIMEOUT_SEC * 1000 - (core.now() - bootFrom);
  watch.bootTimer = setTimeout(() => {
    if (runner.phase !== "starting" || runner.containerId === undefined || core.pool.get(runner.name) !== runner) return;
    const containerId = runner.containerId;
    watch.why = `not listening for jobs ${core.config.RUNNER_BOOT_TIMEOUT_SEC} s after its start (RUNNER_BOOT_TIMEOUT_SEC)`;
    core.log.error(`runner ${runner.name}: ${watch.why}: removing it`);
    core.background(core.engine.remove(containerId));
  }, Math.max(0, bootLeft));
  watch.bootTimer.unref();
}

/**
 * What a runner's output says: "Listening for Jobs" makes it idle, "Running
 * job" busy; its exit removes it from the pool (see runnerExited).
 * Adopted runners replay their output from the first line.
 */
function runnerWatcher(core: ControllerCore, runner: PoolRunner): ContainerWatcher {
  const watch: Watch = { unwatch: () => {}, bootTimer: undefined };
  watches.set(runner, watch);
  return {
    onLine(line) {
      runner.tail.push(line);
      if (runner.tail.length > TAIL_LINES) runner.tail.shift();
      const ev = runnerOutputEvent(line);
      if (ev?.kind === "listening" && runner.phase === "starting") {
        runner.phase = "idle";
        runner.idleSince = core.now();
        clearTimeout(watch.bootTimer);
        core.runnerHealthy();
        core.log.info(`runner ${runner.name} is listening for jobs (${((core.now() - runner.startedAt) / 1000).toFixed(1)} s after its start)`);
        core.scaleSoon();
      } else if (ev?.kind === "job-started") {
        runner.tookJob = true;
        if (runner.phase !== "stopping") runner.phase = "busy";
        clearTimeout(watch.bootTimer);
      } else if (ev?.kind === "job-completed") {
        runner.finishedJob = true;
      }
    },
    onExit: (code) => runnerExited(core, runner, code),
    onLost: (why) => core.log.warn(`runner ${runner.name}: Docker's wait for its container's exit was lost (${why}): looking at the container again, not taking it for ended`),
  };
}

/**
 * Watches an adopted runner's container (after a restart). Its boot timeout counts from now: its output, which
 * says whether it listens or runs a job, is replayed by a request still on its way, and a container older than
 * RUNNER_BOOT_TIMEOUT_SEC would otherwise be removed, a job and all, before that answer is read.
 */
export function watchRunner(core: ControllerCore, runner: PoolRunner): void {
  if (runner.containerId === undefined) throw new Error(`runner ${runner.name} has no container`);
  const watcher = runnerWatcher(core, runner);
  const watch = watches.get(runner);
  if (watch) watch.unwatch = core.engine.follow(runner.containerId, watcher);
  armBootTimer(core, runner, core.now());
}

/**
 * A runner whose container reconciliation no longer finds, its exit never reported (an engine restart, a removal
 * whose wait never answered): it ends as if its exit had been seen, counted and logged by what it had done.
 */
export function runnerGone(core: ControllerCore, runner: PoolRunner): void {
  runnerExited(core, runner, undefined, " unseen (its container is gone)");
  watches.get(runner)?.unwatch();
}

function runnerExited(core: ControllerCore, runner: PoolRunner, code: number | undefined, unseen = ""): void {
  const watch = watches.get(runner);
  if (watch) clearTimeout(watch.bootTimer);
  if (core.pool.get(runner.name) !== runner) return;
  core.pool.delete(runner.name, core.now());
  const exit = code === undefined ? unseen : ` with code ${code}`;
  let why: string;
  let reason: string;
  if (runner.finishedJob) [why, reason] = [`finished its job and exited${exit}`, "job_done"];
  else if (runner.tookJob) [why, reason] = [`exited${exit} during its job`, "exited_in_job"];
  else if (runner.phase === "stopping") [why, reason] = [`stopped${exit} (idle above the demand)`, "idle"];
  else if (watch?.why) [why, reason] = [watch.why, "boot_timeout"];
  else if (core.stopping.aborted) [why, reason] = [`exited${exit} while the controller stopped`, "stopped"];
  else [why, reason] = [`exited${exit} before taking a job`, "failed"];
  core.metrics.removed(reason);
  if (reason === "failed" || reason === "boot_timeout") {
    core.runnerFailed();
    const tail = runner.tail.length > 0 ? `; its last lines: ${runner.tail.map((l) => l.trim()).join(" | ")}` : "";
    core.log.error(`runner ${runner.name} removed: ${why}${tail}`);
  } else {
    core.log.info(`runner ${runner.name} removed: ${why}`);
  }
  const containerId = runner.containerId;
  // AutoRemove removes it as it exits; an adopted container created otherwise goes now.
  if (containerId !== undefined) core.background(core.engine.remove(containerId).catch(() => undefined));
  if (!runner.finishedJob && runner.runnerId !== undefined) core.background(removeRegistration(core, runner.name, runner.runnerId));
  core.saveSoon();
  core.scaleSoon();
}

/** Stops following every runner (at the controller's stop): their containers go on by themselves. */
export function unwatchAll(core: ControllerCore): void {
  for (const r of core.pool.all()) {
    const w = watches.get(r);
    if (!w) continue;
    clearTimeout(w.bootTimer);
    w.unwatch();
  }
}

/**
 * Stops an idle runner: its registration goes first, so GitHub can no
 * longer give it a job; GitHub refuses (422) when it has just taken one,
 * and then it stays to finish it. Then SIGTERM: the supervisor exits.
 */
export async function stopIdleRunner(core: ControllerCore, runner: PoolRunner, why: string): Promise<void> {
  runner.phase = "stopping";
  core.log.info(`stopping runner ${runner.name}: ${why}`);
  try {
    if (runner.runnerId !== undefined) {
      const result = await core.api.delete(runner.runnerId, AbortSignal.any([AbortSignal.timeout(30_000), core.ended]));
      if (result === "busy") {
        runner.phase = "busy";
        runner.tookJob = true;
        core.log.info(`runner ${runner.name} took a job meanwhile (GitHub: busy): it stays to finish it`);
        return;
      }
    }
    if (runner.containerId !== undefined) await core.engine.kill(runner.containerId, "SIGTERM");
  } catch (e) {
    core.log.warn(`stopping runner ${runner.name} failed: ${(e as Error).message}; tried again after the idle grace`);
    if (runner.phase === "stopping") {
      runner.phase = "idle";
      runner.idleSince = core.now();
    }
  }
}
