import type { Scope } from "../config/scope.ts";
import type { DeliveryAttempt, HookApi } from "../github/hook-api.ts";
import type { Logger } from "../log/logger.ts";
import { scopeLabel } from "./ensure-hook.ts";

/** GitHub redelivers within 3 days (7 on GHES; 3 is safe for both). */
const REDELIVERY_WINDOW_MS = 3 * 24 * 3600_000;
/** Asked at the window's very edge, GitHub could refuse: stay this far inside. */
const EDGE_MS = 3600_000;
/**
 * A later pass lists back to the previous pass's start less this: an attempt
 * is listed once GitHub has its answer (up to its 10 s timeout, and its own
 * lag), so one sent just before that start may have been missing then.
 */
export const RELIST_MARGIN_MS = 5 * 60_000;

const succeeded = (a: DeliveryAttempt): boolean => a.statusCode >= 200 && a.statusCode < 300;

/**
 * The failed workflow_job deliveries of hook `hookId` that are worth a
 * redelivery, oldest first (GitHub's order of events): within GitHub's
 * window, no attempt of the same delivery (X-GitHub-Delivery) answered 2xx,
 * and none was a redelivery already, so each is redelivered once, whatever
 * the restarts in between, never in a loop when the receiver stays
 * unreachable.
 */
export function failedDeliveries(attempts: readonly DeliveryAttempt[]): DeliveryAttempt[] {
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const a of attempts) byGuid.set(a.guid, [...(byGuid.get(a.guid) ?? []), a]);
  const due: DeliveryAttempt[] = [];
  for (const tries of byGuid.values()) {
    if (tries.some((a) => succeeded(a) || a.redelivery)) continue;
    const first = tries.reduce((a, b) => (b.deliveredAt < a.deliveredAt ? b : a));
    if (first.event === "workflow_job") due.push(first);
  }
  return due.sort((a, b) => a.deliveredAt - b.deliveredAt);
}

/**
 * Lists the hook's recent deliveries and asks GitHub to redeliver each
 * failed one (see failedDeliveries), one line each; returns how many. With
 * `lastPassAt` (the start of the previous complete pass over this hook) it
 * lists only back to RELIST_MARGIN_MS before it: an attempt never changes,
 * and older failures were handled then, so a pass costs one page, not the
 * whole window's (at scale thousands of requests an hour, from the rate
 * limit the runners' generate-jitconfig needs too).
 */
export async function redeliverFailed(o: {
  scope: Scope;
  api: HookApi;
  hookId: number;
  log: Logger;
  /** Deliveries asked for already (by X-GitHub-Delivery): never asked twice, even if GitHub has not recorded the attempt yet. */
  asked: Set<string>;
  lastPassAt?: number | undefined;
  now?: number;
  signal?: AbortSignal;
}): Promise<number> {
  const now = o.now ?? Date.now();
  const windowStart = now - REDELIVERY_WINDOW_MS + EDGE_MS;
  const since = o.lastPassAt === undefined ? windowStart : Math.max(windowStart, o.lastPassAt - RELIST_MARGIN_MS);
  const attempts = await o.api.deliveriesSince(o.hookId, since, o.signal);
  // What is no longer listed cannot come back (left the window, or older than a pass that saw it): forget it, so months of uptime keep the set small.
  const listed = new Set(attempts.map((a) => a.guid));
  for (const guid of o.asked) if (!listed.has(guid)) o.asked.delete(guid);
  const due = failedDeliveries(attempts).filter((d) => !o.asked.has(d.guid));
  for (const d of due) {
    o.signal?.throwIfAborted();
    o.asked.add(d.guid);
    await o.api.redeliver(o.hookId, d.id, o.signal);
    o.log.info(
      `redelivery asked of webhook ${o.hookId} of ${scopeLabel(o.scope)}: ${d.event} ${d.action ?? ""} delivery ${d.guid} of ` +
        `${new Date(d.deliveredAt).toISOString()} had failed (${d.status})`,
    );
  }
  return due.length;
}
