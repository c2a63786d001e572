import type { Logger } from "../log/logger.ts";

/** EX_SOFTWARE: the supervisor itself failed. */
export const EXIT_INTERNAL = 70;

/** Past this many, the state is too broken to drain: exit at once. */
const GIVE_UP_AFTER = 20;

/**
 * The last safety net of PID 1: an uncaught exception or rejection (a bug) would kill the process on the spot,
 * leaving the registration behind and a running job cut. Instead it is logged with its stack, and `onFirst` starts
 * the usual graceful stop. Returns the function that removes the net.
 */
export function catchStrayErrors(log: Logger, onFirst: () => void): () => void {
  let count = 0;
  const caught = (e: unknown): void => {
    count += 1;
    log.error(`internal error (a bug in ci-runner, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (count === 1) {
      log.error("stopping: the running job finishes first, then the runner is deregistered");
      onFirst();
    } else if (count >= GIVE_UP_AFTER) {
      log.error(`${count} internal errors: exiting now`);
      process.exit(EXIT_INTERNAL);
    }
  };
  process.on("uncaughtException", caught);
  process.on("unhandledRejection", caught);
  return () => {
    process.removeListener("uncaughtException", caught);
    process.removeListener("unhandledRejection", caught);
  };
}
