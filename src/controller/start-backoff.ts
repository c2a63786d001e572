/** Longest pause between runner starts after failures (a broken image is retried, not hammered). */
const MAX_BACKOFF_MS = 60_000;

/** Runner starts pause after failures in a row: 1 s, 2 s, 4 s ... up to a minute; a healthy runner resets it. */
export class StartBackoff {
  #failures = 0;
  #until = 0;

  /** Counts a failure; returns how many in a row and how long starts now pause. */
  failed(now: number): { failures: number; waitMs: number } {
    this.#failures += 1;
    const waitMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.#failures - 1, 16));
    this.#until = now + waitMs;
    return { failures: this.#failures, waitMs };
  }

  healthy(): void {
    this.#failures = 0;
    this.#until = 0;
  }

  /** Milliseconds until starts may resume (0: now). */
  remaining(now: number): number {
    return Math.max(0, this.#until - now);
  }
}

/** One pending wake-up: asking for an earlier one moves it, a later one is ignored. */
export class Wakeup {
  readonly #fn: () => void;
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(fn: () => void) {
    this.#fn = fn;
  }

  in(ms: number): void {
    const at = Date.now() + ms;
    if (this.#timer && at >= this.#at) return;
    clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.#fn();
    }, ms);
    this.#timer.unref();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
