import { whenAborted } from "../lifecycle/when-aborted.ts";
import type { ContainerEngine } from "./container-engine.ts";

interface Pull {
  readonly done: Promise<void>;
  readonly abort: AbortController;
  waiters: number;
}

/** Pulls in flight per engine and image: launches at the same time share one. */
const inFlight = new WeakMap<ContainerEngine, Map<string, Pull>>();

/**
 * Makes `image` present on the engine's host. A big image on a slow link
 * may take far longer than any fixed deadline, so only a pull that sends no
 * progress for `stallMs` is given up (aborting its request, which makes the
 * engine cancel it). Concurrent callers share one pull; one whose `signal`
 * aborts stops waiting, and the pull is cancelled once nobody waits.
 */
export async function pullImage(engine: ContainerEngine, image: string, stallMs: number, stallWhat: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const pulls = inFlight.get(engine) ?? new Map<string, Pull>();
  inFlight.set(engine, pulls);
  let pull = pulls.get(image);
  if (!pull) pull = startPull(engine, pulls, image, stallMs, stallWhat);
  const shared = pull;
  shared.waiters++;
  const left = whenAborted(signal).then(() => {
    throw new Error("the controller is stopping");
  });
  try {
    await Promise.race([shared.done, left]);
  } finally {
    if (--shared.waiters === 0) shared.abort.abort(new Error(`pulling ${image}: no launch waits for it any more`));
  }
}

function startPull(engine: ContainerEngine, pulls: Map<string, Pull>, image: string, stallMs: number, stallWhat: string): Pull {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stalled = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`pulling image ${image} made no progress for ${Math.round(stallMs / 1000)} s (${stallWhat}): given up`)), stallMs);
  };
  stalled();
  const given = whenAborted(abort.signal).then(() => {
    throw abort.signal.reason as Error;
  });
  const done = Promise.race([engine.pull(image, stalled, abort.signal), given]).finally(() => {
    clearTimeout(timer);
    pulls.delete(image);
  });
  done.catch(() => undefined);
  const pull: Pull = { done, abort, waiters: 0 };
  pulls.set(image, pull);
  return pull;
}
