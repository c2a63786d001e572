import type { Installation, FakeApp } from "./app-registry.ts";
import { notFound, send, sendError, type Exchange, type Route } from "./exchange.ts";
import { verifyJwtRs256 } from "./jwt.ts";
import { bearerToken } from "./rest-auth.ts";
import { normalizeScope } from "./scope.ts";
import type { World } from "./world.ts";

const DOCS_APPS = "https://docs.github.com/rest/apps/apps";
const CREATED = "2024-01-01T00:00:00Z";

/** GitHub App authentication: find an installation with the App's JWT, then trade the JWT for an installation token. */
export function restAppRoutes(world: World): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/(?<scope>repos\/[^/]+\/[^/]+|orgs\/[^/]+|enterprises\/[^/]+)\/installation$/,
      handler: (ex) => {
        const app = appFromJwt(world, ex);
        if (!app) return;
        const inst = world.apps.installationFor(app.appId, normalizeScope(ex.params.scope ?? ""));
        if (!inst) return notFound(ex);
        send(ex, 200, installationJson(ex, inst));
      },
    },
    {
      method: "POST",
      pattern: /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      handler: (ex) => {
        const app = appFromJwt(world, ex);
        if (!app) return;
        const inst = world.apps.installation(Number(ex.params.id));
        if (!inst || inst.appId !== app.appId) return notFound(ex);
        send(ex, 201, {
          ...world.tokens.issueInstallationToken(),
          permissions: { administration: "write", organization_self_hosted_runners: "write", metadata: "read" },
          repository_selection: "all",
        });
      },
    },
  ];
}

/** Verifies `Authorization: Bearer <JWT>` against the public key of the App named by `iss`; sends 401 otherwise. */
function appFromJwt(world: World, ex: Exchange): FakeApp | undefined {
  const jwt = bearerToken(ex);
  let iss: unknown;
  try {
    iss = (JSON.parse(Buffer.from((jwt ?? "").split(".")[1] ?? "", "base64url").toString("utf8")) as { iss?: unknown }).iss;
  } catch {
    iss = undefined;
  }
  const app = world.apps.app(Number(iss));
  if (!jwt || !app) {
    sendError(ex, 401, "A JSON web token could not be decoded", DOCS_APPS);
    return undefined;
  }
  const verified = verifyJwtRs256(jwt, app.publicKey, { maxLifetimeSec: 600 });
  if ("error" in verified) {
    sendError(ex, 401, verified.error, DOCS_APPS);
    return undefined;
  }
  return app;
}

/** Schema `installation`, with the account as `simple-user` (user, organization) or `enterprise`. */
function installationJson(ex: Exchange, inst: Installation): Record<string, unknown> {
  const api = ex.origin + (ex.viaApiV3 ? "/api/v3" : "");
  const targetId = 5000 + inst.id;
  const account =
    inst.targetType === "Enterprise"
      ? {
          id: targetId,
          node_id: `E_${targetId}`,
          name: inst.account,
          slug: inst.account,
          html_url: `${ex.origin}/enterprises/${inst.account}`,
          created_at: CREATED,
          updated_at: CREATED,
          avatar_url: `${ex.origin}/avatars/${inst.account}`,
          description: null,
          website_url: null,
        }
      : simpleUser(ex.origin, api, inst.account, targetId, inst.targetType);
  return {
    id: inst.id,
    account,
    repository_selection: "all",
    access_tokens_url: `${api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${ex.origin}/settings/installations/${inst.id}`,
    app_id: inst.appId,
    app_slug: `fake-app-${inst.appId}`,
    target_id: targetId,
    target_type: inst.targetType,
    permissions: { administration: "write", organization_self_hosted_runners: "write", metadata: "read" },
    events: [],
    created_at: CREATED,
    updated_at: CREATED,
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}

function simpleUser(web: string, api: string, login: string, id: number, type: string): Record<string, unknown> {
  const u = `${api}/users/${login}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `${web}/avatars/${login}`,
    gravatar_id: "",
    url: u,
    html_url: `${web}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type,
    site_admin: false,
  };
}
