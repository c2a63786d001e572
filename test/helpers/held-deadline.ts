/**
 * A give-up timer the test fires itself, at the step it chooses, for the
 * product's `deadline`-style options (`(ms) => AbortSignal`). `requestedMs`
 * is the time the product asked for, to assert on it without waiting it out.
 */
export function heldDeadline(): { deadline: (ms: number) => AbortSignal; fire: () => void; requestedMs: () => number | undefined } {
  const controller = new AbortController();
  let requested: number | undefined;
  return {
    deadline: (ms) => {
      requested = ms;
      return controller.signal;
    },
    fire: () => controller.abort(),
    requestedMs: () => requested,
  };
}

/** A deadline that never fires: the product waits for the work itself, however long the machine takes. */
export const neverFires = (): AbortSignal => new AbortController().signal;
