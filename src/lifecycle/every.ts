import type { Logger } from "../log/logger.ts";

/**
 * Runs `tick` every `ms` (and at once with `now`), never two at a time: a slow tick makes the next one skip, not
 * pile up. A throw goes to `onError`. Returns the stop function; the timer never keeps the process alive.
 */
export function every(ms: number, tick: () => Promise<void> | void, onError: (e: Error) => void, opts: { now?: boolean } = {}): () => void {
  let running = false;
  let stopped = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    try {
      await tick();
    } catch (e) {
      if (!stopped) onError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), ms).unref();
  if (opts.now) void run();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * For a call repeated by `every`: one warning when it starts failing, one
 * line when it works again, nothing in between (never one line per tick).
 */
export function failureLog(log: Logger, what: string): { failed(e: Error): void; ok(): void } {
  let failing = false;
  return {
    failed(e) {
      if (!failing) log.warn(`${what}: ${e.message}`);
      failing = true;
    },
    ok() {
      if (failing) log.info(`${what}: works again`);
      failing = false;
    },
  };
}
