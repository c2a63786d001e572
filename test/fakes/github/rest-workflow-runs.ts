import { send, type Exchange, type Route } from "./exchange.ts";
import { requireAdmin } from "./rest-auth.ts";
import { paginate } from "./paginate.ts";
import { jobJson, runJson } from "./workflow-json.ts";
import type { FakeJob } from "./types.ts";
import type { World } from "./world.ts";

const DOCS_RUNS = "https://docs.github.com/rest/actions/workflow-runs";

/**
 * What a controller reconciles with: a repository's workflow runs (by
 * status) and a run's jobs, paginated as GitHub paginates them.
 */
export function restWorkflowRunRoutes(world: World): Route[] {
  const jobsOf = (ex: Exchange): FakeJob[] => {
    const repository = `${ex.params.owner}/${ex.params.repo}`.toLowerCase();
    return world.jobs.list().filter((j) => j.repository.toLowerCase() === repository);
  };
  const bases = (ex: Exchange) => ({ api: ex.origin + (ex.viaApiV3 ? "/api/v3" : ""), web: ex.origin });
  return [
    {
      method: "GET",
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/actions\/runs$/,
      handler: (ex) => {
        if (!requireAdmin(ex, world.tokens, DOCS_RUNS)) return;
        const byRun = new Map<number, FakeJob[]>();
        for (const j of jobsOf(ex)) byRun.set(j.runId, [...(byRun.get(j.runId) ?? []), j]);
        const { api, web } = bases(ex);
        const status = ex.query.get("status");
        const runs = [...byRun].map(([id, jobs]) => runJson(id, jobs, api, web)).filter((r) => status === null || r.status === status);
        runs.reverse(); // newest first, as GitHub lists them
        const { slice, headers } = paginate(ex, runs);
        send(ex, 200, { total_count: runs.length, workflow_runs: slice }, headers);
      },
    },
    {
      method: "GET",
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/actions\/runs\/(?<run>\d+)\/jobs$/,
      handler: (ex) => {
        if (!requireAdmin(ex, world.tokens, DOCS_RUNS)) return;
        const { api, web } = bases(ex);
        const jobs = jobsOf(ex).filter((j) => j.runId === Number(ex.params.run)).map((j) => jobJson(j, api, web));
        const { slice, headers } = paginate(ex, jobs);
        send(ex, 200, { total_count: jobs.length, jobs: slice }, headers);
      },
    },
  ];
}
