import type { Scope } from "../config/scope.ts";
import type { HookApi, HookTarget } from "../github/hook-api.ts";
import { every, failureLog } from "../lifecycle/every.ts";
import type { Logger } from "../log/logger.ts";
import { ensureHook, removeHooks, scopeLabel } from "./ensure-hook.ts";
import { redeliverFailed } from "./redeliver-failed.ts";

export interface HookUpkeepOptions {
  /** A repository or an organization (enterprises have no hooks API). */
  readonly scope: Scope;
  /** The scope's hook endpoints, with its credential (RunnerApi.hookApi()). */
  readonly api: HookApi;
  /** Where GitHub delivers (WEBHOOK_HOST + the scope's path) and the secret it signs with. */
  readonly target: HookTarget;
  readonly log: Logger;
  /** Between looks at the recent deliveries (REDELIVERY_INTERVAL_SEC). */
  readonly intervalMs: number;
  /** Aborting it ends a pass under way (GitHub calls in flight stop retrying). */
  readonly signal?: AbortSignal;
  /**
   * The stop of the upkeep this one replaces (a new secret, a new credential):
   * the first pass waits for it, so the old pass's PATCH, with the old
   * secret, never lands after this one's.
   */
  readonly after?: Promise<unknown> | undefined;
}

/**
 * The controller's own hook for one scope: made sure of at once (see
 * ensureHook), then its failed deliveries redelivered at once and every
 * `intervalMs`. A failure (a missing permission: one line naming the scope
 * and the permission) is logged once, the controller serves on, and the
 * next pass tries again from the start, so a permission granted later, or
 * a hook deleted by hand, needs no restart. Returns the stop function: it
 * ends a pass under way (no GitHub call after it) and resolves once that
 * pass is over.
 */
export function startHookUpkeep(o: HookUpkeepOptions): () => Promise<void> {
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  let pass: Promise<void> | undefined;
  let hookId: number | undefined;
  /** The start of the last pass that listed hookId's deliveries to the end: the next lists back to it only. */
  let lastPassAt: number | undefined;
  const asked = new Set<string>();
  const failing = failureLog(o.log, `managing the webhook of ${scopeLabel(o.scope)}`);
  const once = async (): Promise<void> => {
    await o.after;
    signal.throwIfAborted();
    const startedAt = Date.now();
    hookId ??= await ensureHook({ scope: o.scope, api: o.api, target: o.target, log: o.log, signal });
    await redeliverFailed({ scope: o.scope, api: o.api, hookId, log: o.log, asked, lastPassAt, now: startedAt, signal });
    lastPassAt = startedAt;
    failing.ok();
  };
  const stopTimer = every(
    o.intervalMs,
    () => (pass = once()),
    (e) => {
      // Stopping (the process, or a replacement of this upkeep): nothing failed.
      if (signal.aborted) return;
      // The hook may be another one next time (deleted by hand, made anew): its whole window is listed again.
      hookId = undefined;
      lastPassAt = undefined;
      failing.failed(e);
    },
    { now: true },
  );
  return async () => {
    stop.abort();
    stopTimer();
    await pass?.catch(() => undefined);
  };
}

/**
 * An entry that left REPOS_CONFIG_FILE, once drained: the secret generated
 * for it is deleted, and its hook (GitHub would go on delivering its jobs
 * to a path that answers 404, and show each as failed). A refusal is one
 * line naming the scope and the URL: the hook is then the user's to delete.
 */
export async function forgetHook(o: { scope: Scope; api: HookApi; url: string; log: Logger; forgetSecret: () => void; signal?: AbortSignal }): Promise<void> {
  // First: a hook left behind is never again one the controller signs for.
  o.forgetSecret();
  try {
    await removeHooks({ ...o, why: "its entry left REPOS_CONFIG_FILE" });
  } catch (e) {
    if (o.signal?.aborted) return;
    o.log.warn(`deleting the webhook of ${scopeLabel(o.scope)} to ${o.url} failed (delete it on GitHub, if there is one): ${(e as Error).message}`);
  }
}
