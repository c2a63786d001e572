import type { RunnerApi } from "../github/runner-api.ts";
import type { Logger } from "../log/logger.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";

export interface DeregisterTarget {
  readonly name: string;
  /** From `.runner`; absent when config.sh was interrupted: then look the name up. */
  readonly id: number | undefined;
}

/**
 * Deletes the registration, retrying while GitHub still calls the runner busy
 * (it may lag the runner's exit by a few seconds). Gives up, with one line
 * naming the runner, when `deadline` aborts. Returns true when no
 * registration is left.
 */
export async function deregister(api: RunnerApi, target: DeregisterTarget, log: Logger, deadline: AbortSignal): Promise<boolean> {
  let ids: number[];
  try {
    ids = target.id !== undefined ? [target.id] : (await api.findByName(target.name, deadline)).map((r) => r.id);
  } catch (e) {
    log.error(`cannot look up runner ${target.name} to deregister it: ${(e as Error).message}`);
    return false;
  }
  let ok = true;
  for (const id of ids) {
    for (let attempt = 1; ; attempt++) {
      let result;
      try {
        result = await api.delete(id, deadline);
      } catch (e) {
        log.error(`cannot deregister runner ${target.name} (id ${id}): ${(e as Error).message}`);
        ok = false;
        break;
      }
      if (result !== "busy") {
        log.info(result === "deleted" ? `deregistered runner ${target.name} (id ${id})` : `runner ${target.name} (id ${id}) was already gone from GitHub`);
        break;
      }
      if (deadline.aborted) {
        log.error(`runner ${target.name} (id ${id}) is still marked busy on GitHub; giving up deregistration`);
        ok = false;
        break;
      }
      await abortableSleep(Math.min(5000, 500 * attempt), deadline);
    }
  }
  return ok;
}
