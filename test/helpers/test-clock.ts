import { mock } from "node:test";

type Api = "setInterval" | "setTimeout" | "Date";

export interface TestClock {
  /** Moves the clock on by `ms`: due timers fire, Date.now() moves. */
  tick(ms: number): void;
  /** The same, one millisecond at a time, letting promise callbacks run at each step (for async timer callbacks). */
  advance(ms: number): Promise<void>;
}

/**
 * Node's mock timers for `apis` (node:test's MockTimers), restored at the
 * test's end: time moves only when the test says, so a loaded machine cannot
 * make a timer fire early or late relative to the test's steps.
 */
export function useTestClock(t: { teardown(fn: () => unknown): void }, apis: Api[], now = 1_000_000): TestClock {
  // Node 20 calls MockTimers experimental and says so on stderr: expected here, kept out of the output.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes("MockTimers")) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    mock.timers.enable({ apis, ...(apis.includes("Date") ? { now } : {}) });
  } finally {
    process.emitWarning = emitWarning;
  }
  t.teardown(() => mock.timers.reset());
  return {
    tick: (ms) => mock.timers.tick(ms),
    async advance(ms) {
      for (let i = 0; i < ms; i++) {
        mock.timers.tick(1);
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}
