import { jsonBody, notFound, send, sendError, type Exchange, type Route } from "./exchange.ts";
import { encodeJitConfig } from "./jit-config.ts";
import { paginate } from "./paginate.ts";
import { requireAdmin } from "./rest-auth.ts";
import { runnerJson } from "./runner-registry.ts";
import { normalizeScope, SCOPE_PATTERN } from "./scope.ts";
import type { World } from "./world.ts";

const DOCS_RUNNERS = "https://docs.github.com/rest/actions/self-hosted-runners";
const DOCS_GROUPS = "https://docs.github.com/rest/actions/self-hosted-runner-groups";

const runnersPath = (tail: string): RegExp => new RegExp(`^/${SCOPE_PATTERN}/actions/runners${tail}$`);

/** REST endpoints of self-hosted runners and runner groups, for repositories, organizations and enterprises. */
export function restRunnerRoutes(world: World): Route[] {
  const admin = (ex: Exchange, docs = DOCS_RUNNERS): boolean => requireAdmin(ex, world.tokens, docs) !== undefined;
  const scopeOf = (ex: Exchange): string => normalizeScope(ex.params.scope ?? "");

  const token = (kind: "registration" | "remove") => (ex: Exchange) => {
    if (!admin(ex)) return;
    send(ex, 201, world.tokens.issueRunnerToken(scopeOf(ex), kind));
  };

  return [
    { method: "POST", pattern: runnersPath("/registration-token"), handler: token("registration") },
    { method: "POST", pattern: runnersPath("/remove-token"), handler: token("remove") },
    { method: "POST", pattern: runnersPath("/generate-jitconfig"), handler: async (ex) => void (admin(ex) && (await generateJitConfig(world, ex))) },
    { method: "GET", pattern: runnersPath(""), handler: (ex) => admin(ex) && listRunners(world, ex) },
    {
      method: "GET",
      pattern: runnersPath("/(?<id>\\d+)"),
      handler: (ex) => {
        if (!admin(ex)) return;
        const runner = world.registry.get(Number(ex.params.id));
        if (!runner || runner.scope !== scopeOf(ex)) return notFound(ex);
        send(ex, 200, runnerJson(runner));
      },
    },
    {
      method: "DELETE",
      pattern: runnersPath("/(?<id>\\d+)"),
      handler: (ex) => {
        if (!admin(ex)) return;
        const runner = world.registry.get(Number(ex.params.id));
        if (!runner || runner.scope !== scopeOf(ex)) return notFound(ex);
        const outcome = world.registry.remove(runner.id);
        if (outcome === "busy") {
          return send(ex, 422, {
            message: `Bad request - Runner "${runner.name}" is still running a job`,
            documentation_url: `${DOCS_RUNNERS}#delete-a-self-hosted-runner-from-a-repository`,
          });
        }
        world.sessions.deleteForRunner(runner.id);
        send(ex, 204);
      },
    },
    {
      method: "GET",
      pattern: /^\/(?<scope>orgs\/[^/]+|enterprises\/[^/]+)\/actions\/runner-groups$/,
      handler: (ex) => admin(ex, DOCS_GROUPS) && listGroups(world, ex),
    },
  ];
}

function listRunners(world: World, ex: Exchange): void {
  const scope = normalizeScope(ex.params.scope ?? "");
  const name = ex.query.get("name");
  const all = world.registry.list(scope).filter((r) => name === null || r.name === name);
  const { slice, headers } = paginate(ex, all);
  send(ex, 200, { total_count: all.length, runners: slice.map(runnerJson) }, headers);
}

function listGroups(world: World, ex: Exchange): void {
  const scope = normalizeScope(ex.params.scope ?? "");
  const base = ex.origin + (ex.viaApiV3 ? "/api/v3" : "") + `/${scope}/actions/runner-groups`;
  const enterprise = scope.startsWith("enterprises/");
  const groups = world.registry.groupsOf(scope).map((g) => ({
    id: g.id,
    name: g.name,
    visibility: "all",
    default: g.isDefault,
    runners_url: `${base}/${g.id}/runners`,
    allows_public_repositories: false,
    restricted_to_workflows: false,
    selected_workflows: [],
    workflow_restrictions_read_only: false,
    ...(enterprise
      ? { selected_organizations_url: `${base}/${g.id}/organizations` }
      : { inherited: false, selected_repositories_url: `${base}/${g.id}/repositories` }),
  }));
  send(ex, 200, { total_count: groups.length, runner_groups: groups });
}

async function generateJitConfig(world: World, ex: Exchange): Promise<void> {
  const scope = normalizeScope(ex.params.scope ?? "");
  const body = jsonBody(ex);
  const name = body?.name;
  const groupId = body?.runner_group_id;
  const labels = body?.labels;
  const workFolder = body?.work_folder ?? "_work";
  const validLabels = Array.isArray(labels) && labels.length >= 1 && labels.length <= 100 && labels.every((l) => typeof l === "string" && l !== "");
  if (typeof name !== "string" || name === "" || !Number.isInteger(groupId) || !validLabels || typeof workFolder !== "string") {
    return send(ex, 422, {
      message: "Invalid request.\n\n`name`, `runner_group_id` and `labels` (1 to 100 strings) are required.",
      documentation_url: `${DOCS_RUNNERS}#create-configuration-for-a-just-in-time-runner-for-a-repository`,
    });
  }
  const group = world.registry.groupsOf(scope).find((g) => g.id === groupId);
  if (!group) return notFound(ex);
  const key = await world.jitKey();
  if (world.registry.byName(scope, name)) {
    return sendError(ex, 409, `Already exists - A runner with the name ${name} already exists.`, DOCS_RUNNERS);
  }
  const runner = world.registry.add(scope, {
    name,
    labels: labels as string[],
    // A JIT runner has exactly the labels asked for: GitHub adds no defaults.
    noDefaultLabels: true,
    ephemeral: true,
    runnerGroupId: group.id,
    publicKeyPem: key.publicKeyPem,
  });
  send(ex, 201, {
    runner: runnerJson(runner),
    encoded_jit_config: encodeJitConfig(runner, key.privateKey, ex.origin, workFolder, group.name),
  });
}
