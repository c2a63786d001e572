import { randomBytes } from "node:crypto";
import { jsonBody, notFound, send, type Exchange, type Route } from "./exchange.ts";
import { RUNNER_PROTOCOL_PATH } from "./jit-config.ts";
import { scopeFromUrl } from "./scope.ts";
import type { World } from "./world.ts";

const TENANT_TOKEN_TTL_MS = 3_600_000;

/**
 * What config.sh talks to: `POST /actions/runner-registration` (GitHub's
 * real endpoint, `Authorization: RemoteAuth <registration or remove token>`),
 * then the fake's own runner-admin calls under /_fake/runner/ (runner
 * groups, runner lookup by name, add/replace, delete) authorized by the
 * token the first call returned.
 */
export function runnerRegistrationRoutes(world: World): Route[] {
  const P = RUNNER_PROTOCOL_PATH;
  return [
    { method: "POST", pattern: /^\/actions\/runner-registration$/, handler: (ex) => register(world, ex) },
    {
      method: "GET",
      pattern: new RegExp(`^${P}/groups$`),
      handler: (ex) => {
        const scope = tenantScope(world, ex);
        if (scope === undefined) return;
        send(ex, 200, { groups: world.registry.groupsOf(scope) });
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${P}/agents$`),
      handler: (ex) => {
        const scope = tenantScope(world, ex);
        if (scope === undefined) return;
        const name = ex.query.get("name") ?? "";
        const found = world.registry.byName(scope, name);
        send(ex, 200, { agents: found ? [{ id: found.id, name: found.name, busy: found.busy }] : [] });
      },
    },
    { method: "POST", pattern: new RegExp(`^${P}/agents$`), handler: (ex) => addAgent(world, ex) },
    {
      method: "DELETE",
      pattern: new RegExp(`^${P}/agents/(?<id>\\d+)$`),
      handler: (ex) => {
        const scope = tenantScope(world, ex);
        if (scope === undefined) return;
        const runner = world.registry.get(Number(ex.params.id));
        if (!runner || runner.scope !== scope) return send(ex, 404, { message: `Runner ${ex.params.id} not found.` });
        if (world.registry.remove(runner.id) === "busy") {
          return send(ex, 400, { message: `Runner "${runner.name}" is still running a job` });
        }
        world.sessions.deleteForRunner(runner.id);
        send(ex, 204);
      },
    },
  ];
}

function register(world: World, ex: Exchange): void {
  const m = /^RemoteAuth\s+(\S+)\s*$/i.exec(ex.req.headers.authorization ?? "");
  const body = jsonBody(ex);
  const scope = typeof body?.url === "string" ? scopeFromUrl(body.url) : undefined;
  const kind = body?.runner_event === "remove" ? "remove" : body?.runner_event === "register" ? "registration" : undefined;
  // GitHub answers an unknown, expired or mismatched token with a plain 404.
  if (!m || !scope || !kind || world.tokens.runnerTokenScope(m[1]!, kind) !== scope) return notFound(ex);
  const token = randomBytes(24).toString("hex");
  world.tenantTokens.set(token, { scope, expiresAt: Date.now() + TENANT_TOKEN_TTL_MS });
  send(ex, 200, {
    url: ex.origin + RUNNER_PROTOCOL_PATH,
    token_schema: "OAuthAccessToken",
    token,
    use_runner_admin_flow: false,
  });
}

/** The scope of the tenant token in `Authorization: Bearer`; sends 401 and returns undefined when absent or stale. */
function tenantScope(world: World, ex: Exchange): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ex.req.headers.authorization ?? "");
  const entry = m ? world.tenantTokens.get(m[1]!) : undefined;
  if (!entry || entry.expiresAt <= Date.now()) {
    send(ex, 401, { message: "Unauthorized" });
    return undefined;
  }
  return entry.scope;
}

function addAgent(world: World, ex: Exchange): void {
  const scope = tenantScope(world, ex);
  if (scope === undefined) return;
  const body = jsonBody(ex) ?? {};
  const name = typeof body.name === "string" ? body.name : "";
  const labels = Array.isArray(body.labels) ? body.labels.filter((l): l is string => typeof l === "string") : [];
  const groupId = typeof body.groupId === "number" ? body.groupId : 1;
  const publicKeyPem = typeof body.publicKeyPem === "string" ? body.publicKeyPem : undefined;
  if (name === "" || !publicKeyPem) return send(ex, 400, { message: "name and publicKeyPem are required" });
  if (!world.registry.groupsOf(scope).some((g) => g.id === groupId)) return send(ex, 404, { message: `Runner group ${groupId} not found.` });
  const spec = {
    name,
    labels,
    noDefaultLabels: body.noDefaultLabels === true,
    ephemeral: body.ephemeral === true,
    disableUpdate: body.disableUpdate === true,
    runnerGroupId: groupId,
    publicKeyPem,
  };
  const existing = world.registry.byName(scope, name);
  if (existing && typeof body.replaceId !== "number") {
    return send(ex, 409, { message: `A runner exists with the same name ${name}.` });
  }
  if (existing) {
    // The old registration's key no longer works: its listener's tokens and session die with it.
    world.sessions.deleteForRunner(existing.id);
    for (const [token, runnerId] of world.accessTokens) if (runnerId === existing.id) world.accessTokens.delete(token);
  }
  const runner = existing ? world.registry.replace(existing.id, spec) : world.registry.add(scope, spec);
  send(ex, 200, {
    id: runner.id,
    name: runner.name,
    clientId: runner.clientId,
    authorizationUrl: `${ex.origin}${RUNNER_PROTOCOL_PATH}/oauth/token`,
    serverUrl: ex.origin + RUNNER_PROTOCOL_PATH,
  });
}
