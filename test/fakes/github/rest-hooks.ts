import { jsonBody, notFound, send, sendError, type Exchange, type Route } from "./exchange.ts";
import type { RestHook } from "./hook-registry.ts";
import { paginate } from "./paginate.ts";
import { requireAdmin } from "./rest-auth.ts";
import { normalizeScope } from "./scope.ts";
import type { DeliveryRecord } from "./webhook-sender.ts";
import type { World } from "./world.ts";

const DOCS_REPO = "https://docs.github.com/rest/repos/webhooks";
const DOCS_ORG = "https://docs.github.com/rest/orgs/webhooks";

/** Repositories and organizations have hooks; enterprises have none in the REST API. */
const hooksPath = (tail: string): RegExp => new RegExp(`^/(?<scope>repos/[^/]+/[^/]+|orgs/[^/]+)/hooks${tail}$`);

/** Repository and organization webhooks, and their deliveries, as GitHub's REST API serves them. */
export function restHookRoutes(world: World): Route[] {
  const scopeOf = (ex: Exchange): string => normalizeScope(ex.params.scope ?? "");
  const docs = (ex: Exchange): string => (scopeOf(ex).startsWith("orgs/") ? DOCS_ORG : DOCS_REPO);
  const admin = (ex: Exchange): boolean => requireAdmin(ex, world.tokens, docs(ex)) !== undefined;
  /** The hook of the path, or a 404 sent (GitHub's answer for a hook of another scope too). */
  const hookOf = (ex: Exchange): RestHook | undefined => {
    const h = world.hooks.get(scopeOf(ex), Number(ex.params.id));
    if (!h) notFound(ex);
    return h;
  };
  return [
    {
      method: "GET",
      pattern: hooksPath(""),
      handler: (ex) => {
        if (!admin(ex)) return;
        const { slice, headers } = paginate(ex, world.hooks.list(scopeOf(ex)));
        send(ex, 200, slice.map((h) => hookJson(ex, h)), headers);
      },
    },
    { method: "POST", pattern: hooksPath(""), handler: (ex) => void (admin(ex) && createHook(world, ex)) },
    { method: "GET", pattern: hooksPath("/(?<id>\\d+)"), handler: (ex) => withHook(ex, admin, hookOf, (h) => send(ex, 200, hookJson(ex, h))) },
    { method: "PATCH", pattern: hooksPath("/(?<id>\\d+)"), handler: (ex) => withHook(ex, admin, hookOf, (h) => updateHook(ex, h)) },
    {
      method: "DELETE",
      pattern: hooksPath("/(?<id>\\d+)"),
      handler: (ex) =>
        withHook(ex, admin, hookOf, (h) => {
          world.hooks.remove(h.hook.id);
          send(ex, 204);
        }),
    },
    { method: "GET", pattern: hooksPath("/(?<id>\\d+)/deliveries"), handler: (ex) => withHook(ex, admin, hookOf, (h) => listDeliveries(ex, h)) },
    {
      method: "GET",
      pattern: hooksPath("/(?<id>\\d+)/deliveries/(?<delivery>\\d+)"),
      handler: (ex) =>
        withHook(ex, admin, hookOf, (h) => {
          const d = h.hook.delivery(Number(ex.params.delivery));
          if (!d) return notFound(ex);
          send(ex, 200, {
            ...deliveryItem(d),
            url: h.hook.spec.url,
            request: { headers: { "X-GitHub-Event": d.event, "X-GitHub-Delivery": d.guid, "Content-Type": "application/json" }, payload: JSON.parse(d.body) as object },
            response: { headers: null, payload: null },
          });
        }),
    },
    {
      method: "POST",
      pattern: hooksPath("/(?<id>\\d+)/deliveries/(?<delivery>\\d+)/attempts"),
      handler: (ex) => withHook(ex, admin, hookOf, (h) => (h.hook.redeliverAttempt(Number(ex.params.delivery)) ? send(ex, 202, {}) : notFound(ex))),
    },
  ];
}

function withHook(ex: Exchange, admin: (ex: Exchange) => boolean, hookOf: (ex: Exchange) => RestHook | undefined, fn: (h: RestHook) => void): void {
  if (!admin(ex)) return;
  const h = hookOf(ex);
  if (h) fn(h);
}

function hookJson(ex: Exchange, h: RestHook): Record<string, unknown> {
  const url = `${ex.origin}${ex.viaApiV3 ? "/api/v3" : ""}/${h.scope}/hooks/${h.hook.id}`;
  const { spec } = h.hook;
  const repo = h.scope.startsWith("repos/");
  const last = h.hook.deliveries().at(-1);
  return {
    type: repo ? "Repository" : "Organization",
    id: h.hook.id,
    name: "web",
    active: spec.active ?? true,
    events: [...(spec.events ?? [])],
    // GitHub never shows a hook's secret, only that it has one.
    config: { url: spec.url, content_type: h.contentType, insecure_ssl: h.insecureSsl, ...(spec.secret ? { secret: "********" } : {}) },
    updated_at: h.updatedAt,
    created_at: h.createdAt,
    url,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    ...(repo
      ? { test_url: `${url}/test`, last_response: last ? { code: last.status, status: last.status >= 200 && last.status < 300 ? "active" : "misconfigured", message: deliveryStatus(last.status) } : { code: null, status: "unused", message: null } }
      : {}),
  };
}

interface HookFields {
  url?: string;
  secret?: string;
  contentType?: string;
  insecureSsl?: string;
  events?: string[];
  active?: boolean;
}

/** The fields of a create or update body, or the validation error to answer. */
function readHookBody(body: Record<string, unknown> | undefined, requireUrl: boolean): HookFields | string {
  if (!body) return "Problems parsing JSON";
  if (body.name !== undefined && body.name !== "web") return "name must be web";
  const out: HookFields = {};
  if (body.config !== undefined) {
    const c = body.config as Record<string, unknown> | null;
    if (c === null || typeof c !== "object") return "config must be an object";
    if (typeof c.url !== "string" || !/^https?:\/\/[^/\s]+/.test(c.url)) return "url is not a valid URL";
    out.url = c.url;
    out.secret = typeof c.secret === "string" ? c.secret : "";
    out.contentType = c.content_type === undefined ? "form" : String(c.content_type);
    out.insecureSsl = c.insecure_ssl === undefined ? "0" : String(c.insecure_ssl);
    if (!["json", "form"].includes(out.contentType)) return "content_type must be json or form";
    if (!["0", "1"].includes(out.insecureSsl)) return "insecure_ssl must be 0 or 1";
  } else if (requireUrl) {
    return "config is missing";
  }
  if (body.events !== undefined) {
    if (!Array.isArray(body.events) || !body.events.every((e) => typeof e === "string")) return "events must be a list of strings";
    out.events = body.events as string[];
  }
  if (body.active !== undefined) {
    if (typeof body.active !== "boolean") return "active must be a boolean";
    out.active = body.active;
  }
  return out;
}

function validationFailed(ex: Exchange, message: string): void {
  const docs = ex.params.scope?.startsWith("orgs/") ? DOCS_ORG : DOCS_REPO;
  send(ex, 422, { message: "Validation Failed", errors: [{ resource: "Hook", code: "custom", message }], documentation_url: docs });
}

function createHook(world: World, ex: Exchange): void {
  const scope = normalizeScope(ex.params.scope ?? "");
  const f = readHookBody(jsonBody(ex), true);
  if (typeof f === "string") return validationFailed(ex, f);
  const events = f.events ?? ["push"];
  // GitHub refuses a second hook with the same URL and an overlapping event.
  const twin = world.hooks.list(scope).find((h) => h.hook.spec.url === f.url && (h.hook.spec.events ?? []).some((e) => events.includes(e)));
  if (twin) return validationFailed(ex, `Hook already exists on this ${scope.startsWith("orgs/") ? "organization" : "repository"}`);
  const h = world.hooks.addRest(scope, { url: f.url!, secret: f.secret ?? "", events, active: f.active ?? true }, f.contentType!, f.insecureSsl!, ex.origin);
  send(ex, 201, hookJson(ex, h));
  // GitHub pings a new hook.
  if (h.hook.spec.active) void h.hook.ping();
}

function updateHook(ex: Exchange, h: RestHook): void {
  const f = readHookBody(jsonBody(ex), false);
  if (typeof f === "string") return validationFailed(ex, f);
  const spec = h.hook.spec;
  // A config in the body replaces the stored one (its secret too); events and active replace theirs.
  h.hook.spec = {
    ...spec,
    ...(f.url !== undefined ? { url: f.url, secret: f.secret ?? "" } : {}),
    ...(f.events !== undefined ? { events: f.events } : {}),
    ...(f.active !== undefined ? { active: f.active } : {}),
  };
  if (f.contentType !== undefined) h.contentType = f.contentType;
  if (f.insecureSsl !== undefined) h.insecureSsl = f.insecureSsl;
  h.updatedAt = new Date().toISOString();
  send(ex, 200, hookJson(ex, h));
}

function deliveryStatus(code: number): string {
  if (code === 0) return "failed to connect";
  return code >= 200 && code < 300 ? "OK" : `Invalid HTTP Response: ${code}`;
}

function deliveryItem(d: DeliveryRecord): Record<string, unknown> {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt.replace(/\.\d+Z$/, "Z"),
    redelivery: d.redelivery,
    duration: Math.round(d.durationMs) / 1000,
    status: deliveryStatus(d.status),
    status_code: d.status,
    event: d.event,
    action: d.action ?? null,
    installation_id: null,
    repository_id: null,
  };
}

/**
 * Newest first, with GitHub's cursor pagination: `per_page` (default 30, at
 * most 100), `cursor` (where the page starts, from the previous page's
 * `Link: <...cursor=...>; rel="next"`), and `status=success|failure`.
 */
function listDeliveries(ex: Exchange, h: RestHook): void {
  const status = ex.query.get("status");
  if (status !== null && status !== "success" && status !== "failure") return sendError(ex, 400, "Invalid status: must be success or failure", DOCS_REPO);
  const ok = (d: DeliveryRecord): boolean => d.status >= 200 && d.status < 400;
  const all = h.hook
    .deliveries()
    .reverse()
    .filter((d) => status === null || (status === "success" ? ok(d) : !ok(d)));
  const perPage = Math.min(100, Math.max(1, Math.floor(Number(ex.query.get("per_page") ?? 30)) || 30));
  const cursor = ex.query.get("cursor");
  let start = 0;
  if (cursor !== null) {
    const m = /^v1_(\d+)$/.exec(cursor);
    if (!m) return sendError(ex, 400, "Invalid cursor", DOCS_REPO);
    start = all.findIndex((d) => d.id <= Number(m[1]));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + perPage);
  const next = all[start + perPage];
  const headers: Record<string, string> = {};
  if (next) {
    const q = new URLSearchParams(ex.query);
    q.set("per_page", String(perPage));
    q.set("cursor", `v1_${next.id}`);
    headers.link = `<${ex.origin}${ex.viaApiV3 ? "/api/v3" : ""}${ex.path}?${q.toString()}>; rel="next"`;
  }
  send(ex, 200, page.map(deliveryItem), headers);
}
