import type { Logger } from "../log/logger.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";
import type { Registration } from "./registration.ts";

/** The line for a removal that left no registration behind. */
export function removedLine(result: "deleted" | "gone", name: string): string {
  return result === "deleted" ? `deregistered runner ${name}` : `runner ${name} was already gone from GitHub`;
}

/** One line for a credential that cannot remove runners (GH_RUNNER_TOKEN). */
export function refusedLine(name: string): string {
  return (
    `cannot deregister runner ${name}: GitHub refused the removal with GH_RUNNER_TOKEN (removal needs a remove token, ` +
    `and registration tokens expire after an hour); the registration stays until GitHub drops it. Use GH_TOKEN or a GitHub App to deregister`
  );
}

/**
 * Removes the registration, retrying while GitHub still calls the runner
 * busy (it may lag the runner's exit by a few seconds) and on errors. Gives
 * up, with one line naming the runner, when `deadline` aborts. Returns true
 * when no registration is left.
 */
export async function deregister(reg: Registration, log: Logger, deadline: AbortSignal): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await reg.tryRemove(deadline);
      if (result === "refused") {
        log.error(refusedLine(reg.name));
        return false;
      }
      if (result !== "busy") {
        log.info(removedLine(result, reg.name));
        return true;
      }
    } catch (e) {
      if (deadline.aborted) {
        log.error(`cannot deregister runner ${reg.name}: ${(e as Error).message}`);
        return false;
      }
      log.warn(`deregistering runner ${reg.name} failed: ${(e as Error).message}; retrying`);
    }
    if (deadline.aborted) {
      log.error(`runner ${reg.name} is still marked busy on GitHub; giving up deregistration`);
      return false;
    }
    await abortableSleep(Math.min(5000, 500 * attempt), deadline);
  }
}
