import type { Logger } from "../log/logger.ts";
import { abortableSleep } from "./abortable-sleep.ts";

const BASE_MS = 1000;
const MAX_MS = 30_000;

/** The wait before retry `n` (1, 2, ...): doubling from 1 s up to 30 s, drawn from its upper half so that a fleet does not retry in step. */
export function backoffMs(n: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(n - 1, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** An attempt that asks for another one. */
export interface Again {
  /** Why, for the one warning line of this wait (`<why>; retry <n> in <s> s`); undefined: a wait without a line. */
  readonly retry: string | undefined;
  /** Instead of the backoff (a rate limit's reset). */
  readonly waitMs?: number;
}

/** What one attempt came to: a value, or a retry. */
export type Attempt<T> = { readonly done: T } | Again;

export interface RetryOptions {
  readonly log: Logger;
  /** Ends a wait at once, and no attempt follows: `retry` resolves to STOPPED. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Ends a wait early when it resolves (a job's end, after which GitHub lets
   * the runner go): the next attempt comes at once, and the backoff starts over.
   * Its signal aborts when the wait is over, to release what it listens to.
   */
  readonly wake?: (waitOver: AbortSignal) => Promise<unknown>;
  /** Told of each wait before it starts (a failed attempt), for a caller that bounds how long failures may last. */
  readonly onWait?: () => void;
}

export const STOPPED: unique symbol = Symbol("retry stopped");

/** The supervisor's one retry loop: `attempt` until done, `backoffMs` (or its own wait) in between; a stop ends the waiting. */
export async function retry<T>(attempt: (n: number) => Promise<Attempt<T>>, opts: RetryOptions): Promise<T | typeof STOPPED> {
  const { signal, wake } = opts;
  for (let n = 1, step = 1; ; n++, step++) {
    const outcome = await attempt(n);
    if ("done" in outcome) return outcome.done;
    if (signal?.aborted) return STOPPED;
    const waitMs = outcome.waitMs ?? backoffMs(step);
    if (outcome.retry !== undefined) opts.log.warn(`${outcome.retry}; retry ${n} in ${(waitMs / 1000).toFixed(1)} s`);
    opts.onWait?.();
    const waitOver = new AbortController();
    let woke = false;
    const sleeping = abortableSleep(waitMs, signal, waitOver.signal);
    const waking = wake?.(waitOver.signal).then(() => {
      woke ||= !waitOver.signal.aborted;
    });
    await Promise.race(waking ? [sleeping, waking] : [sleeping]);
    waitOver.abort();
    if (signal?.aborted) return STOPPED;
    if (woke) step = 0;
  }
}
