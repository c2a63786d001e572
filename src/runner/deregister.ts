import type { Logger } from "../log/logger.ts";
import { retry, STOPPED, type Attempt } from "../lifecycle/retry.ts";
import type { Registration } from "./registration.ts";

export interface DeregisterOptions {
  /** Gives up (also the signal of each removal call). */
  readonly until: AbortSignal;
  /** Tries again at once when this resolves: the job's end, after which GitHub lets the runner go. */
  readonly wake?: (waitOver: AbortSignal) => Promise<unknown>;
  /** Each time GitHub calls the runner busy (a job runs, or GitHub lags the runner's exit by a few seconds). */
  readonly onBusy?: () => void;
  /** Giving up is no failure (another try follows): no line for it. */
  readonly quietStop?: boolean;
}

/** Removes the registration, retrying while GitHub calls it busy and on errors, until `until` aborts; one line for the outcome. */
export async function deregister(reg: Registration, log: Logger, opts: DeregisterOptions): Promise<"removed" | "refused" | "stopped"> {
  let last = "busy" as "busy" | Error;
  const result = await retry(
    async (): Promise<Attempt<"removed" | "refused">> => {
      try {
        const r = await reg.tryRemove(opts.until);
        if (r === "refused") {
          log.error(
            `cannot deregister runner ${reg.name}: GitHub refused the removal with GH_RUNNER_TOKEN (removal needs a remove token, ` +
              "and registration tokens expire after an hour); the registration stays until GitHub drops it. Use GH_TOKEN or a GitHub App to deregister",
          );
          return { done: "refused" };
        }
        if (r !== "busy") {
          log.info(r === "deleted" ? `deregistered runner ${reg.name}` : `runner ${reg.name} was already gone from GitHub`);
          return { done: "removed" };
        }
        last = "busy";
        opts.onBusy?.();
        return { retry: undefined };
      } catch (e) {
        last = e instanceof Error ? e : new Error(String(e));
        return { retry: opts.until.aborted ? undefined : `deregistering runner ${reg.name} failed: ${last.message}` };
      }
    },
    { log, signal: opts.until, wake: opts.wake },
  );
  if (result !== STOPPED) return result;
  if (!opts.quietStop) {
    log.error(last === "busy" ? `runner ${reg.name} is still marked busy on GitHub; giving up deregistration` : `cannot deregister runner ${reg.name}: ${last.message}`);
  }
  return "stopped";
}
