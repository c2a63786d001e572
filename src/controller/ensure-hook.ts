import type { Scope } from "../config/scope.ts";
import type { HookApi, HookTarget } from "../github/hook-api.ts";
import type { Logger } from "../log/logger.ts";

/** `repository octo/hello`, `organization acme`: how log lines name a scope. */
export function scopeLabel(scope: Pick<Scope, "kind" | "name">): string {
  return `${scope.kind} ${scope.name}`;
}

/** Hook URLs compare without a trailing slash and with the scheme and host in lower case, as URLs do. */
function sameUrl(a: string, b: string): boolean {
  const norm = (u: string): string => {
    try {
      return new URL(u).toString().replace(/\/+$/, "");
    } catch {
      return u.replace(/\/+$/, "");
    }
  };
  return norm(a) === norm(b);
}

/**
 * Makes sure `scope` has exactly one hook delivering workflow_job to
 * `target.url`, signed with `target.secret`: every page of its hooks is
 * listed, the first whose config.url is ours is updated (GitHub never shows
 * a secret, so it is always set), else one is created; a second one for
 * the same URL (seed 004 added one per start) is deleted, since it would
 * deliver every job twice. Returns the hook's id; GitHub's refusals are
 * thrown (a missing permission as a GitHubFatalError naming it).
 */
export async function ensureHook(o: { scope: Scope; api: HookApi; target: HookTarget; log: Logger; signal?: AbortSignal }): Promise<number> {
  const { scope, api, target, log, signal } = o;
  const ours = (await api.list(signal)).filter((h) => sameUrl(h.url, target.url));
  const [kept, ...extra] = ours;
  // A stopped upkeep (replaced by one with a new secret) writes nothing after its stop.
  signal?.throwIfAborted();
  let id: number;
  if (kept) {
    await api.update(kept.id, target, signal);
    id = kept.id;
    log.info(`webhook ${id} of ${scopeLabel(scope)} updated: workflow_job to ${target.url}, with the controller's secret`);
  } else {
    id = await api.create(target, signal);
    log.info(`webhook ${id} of ${scopeLabel(scope)} created: workflow_job to ${target.url}`);
  }
  for (const h of extra) {
    signal?.throwIfAborted();
    await api.remove(h.id, signal);
    log.info(`webhook ${h.id} of ${scopeLabel(scope)} deleted: a second hook to ${target.url} would deliver every job twice`);
  }
  return id;
}

/**
 * Deletes every hook of `scope` delivering to `url`: the hook of an entry
 * that left REPOS_CONFIG_FILE, which would otherwise go on delivering every
 * job of the scope to a path that answers 404. Its refusals are thrown.
 */
export async function removeHooks(o: { scope: Scope; api: HookApi; url: string; log: Logger; why: string; signal?: AbortSignal }): Promise<void> {
  for (const h of (await o.api.list(o.signal)).filter((h) => sameUrl(h.url, o.url))) {
    o.signal?.throwIfAborted();
    await o.api.remove(h.id, o.signal);
    o.log.info(`webhook ${h.id} of ${scopeLabel(o.scope)} deleted: ${o.why}`);
  }
}
