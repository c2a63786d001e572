import type { Logger } from "../log/logger.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import { deregister } from "./deregister.ts";
import type { Registration } from "./registration.ts";
import type { RunnerProcess } from "./runner-process.ts";

/** Deregistration keeps trying this long after the drain was cut short. */
const AFTER_ESCALATION_MS = 60_000;

export interface DrainOptions {
  /** Undefined with a pre-issued JIT config: nothing of ours to remove. */
  readonly registration: Registration | undefined;
  readonly runner: RunnerProcess;
  readonly log: Logger;
  readonly escalated: AbortSignal;
  readonly debugDelaySec: number;
}

/**
 * The graceful drain, no job cancelled unless it is escalated: the debug delay; deregistration (GitHub refuses
 * while a job runs, so it retries at the job's end, with backoff meanwhile); the runner's stop. Escalation
 * cancels the job, then deregisters. Resolves to whether our registration is gone.
 */
export async function drainRunner(o: DrainOptions): Promise<boolean> {
  const { runner, log, escalated } = o;
  let registration = o.registration;
  for (let left = o.debugDelaySec; left > 0 && !escalated.aborted; left--) {
    log.info(`DEBUG_SHUTDOWN_DELAY_SEC: ${left} s before deregistering`);
    await abortableSleep(1000, escalated);
  }

  // Until the drain is escalated or the runner is gone (an ephemeral runner exits after its job).
  const runnerGone = new AbortController();
  void runner.proc.result.then(() => runnerGone.abort());
  const until = AbortSignal.any([escalated, runnerGone.signal]);
  let waitingFor: string | undefined;
  const sayWaiting = () => {
    const job = runner.busyJob ?? "(starting)";
    if (waitingFor === job) return;
    waitingFor = job;
    log.info(`runner is running job ${job}: waiting for it to finish${registration ? " before deregistering" : ""}`);
  };

  let gone = false;
  if (registration && runner.proc.running && !escalated.aborted) {
    const result = await deregister(registration, log, { until, wake: (over) => runner.jobEnd(over), onBusy: sayWaiting, quietStop: true });
    gone = result === "removed";
    // Nothing we can remove: drain like a pre-issued JIT runner, by the runner's output.
    if (result === "refused") registration = undefined;
  }
  // Pre-issued JIT: GitHub removes the registration after its one job; only that job is waited for.
  while (!registration && !until.aborted && runner.proc.running && runner.busyJob !== undefined) {
    sayWaiting();
    await runner.jobEnd(until);
  }

  if (runner.proc.running && !gone && escalated.aborted && runner.busyJob !== undefined) {
    log.warn(`drain cut short: cancelling job ${runner.busyJob}`);
  }
  await runner.stop();
  if (!gone && registration) {
    // Until AFTER_ESCALATION_MS past an escalation (never before one).
    const deadline = new AbortController();
    void whenAborted(escalated).then(() => setTimeout(() => deadline.abort(), AFTER_ESCALATION_MS).unref());
    gone = (await deregister(registration, log, { until: deadline.signal })) === "removed";
  }
  return gone;
}
