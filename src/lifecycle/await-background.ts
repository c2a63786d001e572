import type { Context } from "./phase.ts";

/** How long background work may still run before the wait is worth a line. */
const QUIET_MS = 200;

/**
 * Waits for every background job (warm start, git credentials) before the
 * runner starts. Says which ones it is waiting for only when that takes a
 * while, naming those still running then, so a quick boot stays quiet.
 */
export async function awaitBackground(ctx: Context): Promise<void> {
  const pending = new Set(ctx.background.keys());
  for (const [name, job] of ctx.background) {
    const done = () => void pending.delete(name);
    void job.then(done, done);
  }
  const timer = setTimeout(() => {
    if (pending.size > 0) ctx.log.info(`waiting for ${[...pending].join(", ")} before starting the runner`);
  }, QUIET_MS);
  try {
    await Promise.all(ctx.background.values());
  } finally {
    clearTimeout(timer);
  }
}
