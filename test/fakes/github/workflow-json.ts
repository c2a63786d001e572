import { createRequire } from "node:module";
import type { FakeJob, JobResult } from "./types.ts";

/** One recorded `workflow_job` delivery of @octokit/webhooks-examples: the template of the fake's deliveries. */
interface ExamplePayload {
  action: string;
  workflow_job: Record<string, unknown>;
  repository: Record<string, unknown>;
  sender: Record<string, unknown>;
  installation?: Record<string, unknown>;
}

let examples: Map<string, ExamplePayload> | undefined;

/** GitHub's real payloads (npm @octokit/webhooks-examples), one per action; read once (4 MB). */
function example(action: string): ExamplePayload {
  if (!examples) {
    const require = createRequire(import.meta.url);
    const all = require("@octokit/webhooks-examples") as { name: string; examples: ExamplePayload[] }[];
    const list = all.find((e) => e.name === "workflow_job")?.examples ?? [];
    examples = new Map();
    // The first example of each action whose status matches it (one "queued" example is a waiting job).
    for (const e of list) if (!examples.has(e.action) && e.workflow_job.status === e.action) examples.set(e.action, e);
  }
  const e = examples.get(action);
  if (!e) throw new Error(`@octokit/webhooks-examples has no workflow_job ${action} example`);
  return structuredClone(e);
}

const CONCLUSIONS: Record<JobResult, string> = {
  Succeeded: "success",
  SucceededWithIssues: "success",
  Failed: "failure",
  Canceled: "cancelled",
  Skipped: "skipped",
  Abandoned: "failure",
};

/** `https://api.github.com` and `https://github.com` of the examples, as this fake's origin serves them. */
function rehost<T>(value: T, fullName: string, apiBase: string, webBase: string): T {
  const [owner = "", name = ""] = fullName.split("/");
  const text = JSON.stringify(value)
    .replaceAll("Codertocat/Hello-World", fullName)
    .replaceAll('"Hello-World"', JSON.stringify(name))
    .replaceAll("users/Octocoders", `users/${owner}`)
    .replaceAll('"Octocoders"', JSON.stringify(owner))
    .replaceAll("https://api.github.com", apiBase)
    .replaceAll("https://github.com", webBase);
  return JSON.parse(text) as T;
}

/** A repository as webhooks and the REST API's `minimal-repository` show it. */
export function repositoryJson(fullName: string, apiBase: string, webBase: string): Record<string, unknown> {
  return rehost(example("queued").repository, fullName, apiBase, webBase);
}

/** The `job` object (REST schema `job`; a webhook's `workflow_job`). */
export function jobJson(job: FakeJob, apiBase: string, webBase: string, runnerGroup = { id: 1, name: "Default" }): Record<string, unknown> {
  const repo = `${apiBase}/repos/${job.repository}`;
  const sha = job.runId.toString(16).padStart(40, "0");
  return {
    id: job.id,
    run_id: job.runId,
    run_url: `${repo}/actions/runs/${job.runId}`,
    run_attempt: 1,
    node_id: `CR_${job.id}`,
    head_sha: sha,
    url: `${repo}/actions/jobs/${job.id}`,
    html_url: `${webBase}/${job.repository}/actions/runs/${job.runId}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion === null ? null : CONCLUSIONS[job.conclusion],
    created_at: job.createdAt,
    started_at: job.startedAt ?? job.createdAt,
    completed_at: job.completedAt,
    name: job.name,
    steps: [],
    check_run_url: `${repo}/check-runs/${job.id}`,
    labels: [...job.labels],
    runner_id: job.runnerId,
    runner_name: job.runnerName,
    runner_group_id: job.runnerId === null ? null : runnerGroup.id,
    runner_group_name: job.runnerId === null ? null : runnerGroup.name,
    workflow_name: "CI",
    head_branch: "main",
  };
}

/** A workflow run (REST schema `workflow-run`) of the jobs sharing its id. */
export function runJson(runId: number, jobs: FakeJob[], apiBase: string, webBase: string): Record<string, unknown> {
  const first = jobs[0];
  if (!first) throw new Error(`run ${runId} has no jobs`);
  const repo = `${apiBase}/repos/${first.repository}`;
  const status = jobs.some((j) => j.status === "in_progress") ? "in_progress" : jobs.some((j) => j.status === "queued") ? (jobs.some((j) => j.status === "completed") ? "in_progress" : "queued") : "completed";
  const repository = repositoryJson(first.repository, apiBase, webBase);
  const sha = runId.toString(16).padStart(40, "0");
  return {
    id: runId,
    name: "CI",
    node_id: `WFR_${runId}`,
    head_branch: "main",
    head_sha: sha,
    path: ".github/workflows/ci.yml",
    display_title: "CI",
    run_number: runId,
    run_attempt: 1,
    event: "push",
    status,
    conclusion: status === "completed" ? (jobs.every((j) => j.conclusion === "Succeeded") ? "success" : "failure") : null,
    workflow_id: 1,
    url: `${repo}/actions/runs/${runId}`,
    html_url: `${webBase}/${first.repository}/actions/runs/${runId}`,
    pull_requests: [],
    created_at: first.createdAt,
    updated_at: new Date().toISOString(),
    jobs_url: `${repo}/actions/runs/${runId}/jobs`,
    logs_url: `${repo}/actions/runs/${runId}/logs`,
    check_suite_url: `${repo}/check-suites/${runId}`,
    artifacts_url: `${repo}/actions/runs/${runId}/artifacts`,
    cancel_url: `${repo}/actions/runs/${runId}/cancel`,
    rerun_url: `${repo}/actions/runs/${runId}/rerun`,
    workflow_url: `${repo}/actions/workflows/1`,
    head_commit: {
      id: sha,
      tree_id: sha,
      message: "test",
      timestamp: first.createdAt,
      author: { name: "Octo Cat", email: "octocat@example.com" },
      committer: { name: "Octo Cat", email: "octocat@example.com" },
    },
    repository,
    head_repository: repository,
  };
}

/**
 * A `workflow_job` delivery's payload: the recorded example of that action
 * (sender, installation and the repository's many fields as GitHub sends
 * them), with this job's fields.
 */
export function workflowJobPayload(action: string, job: FakeJob, apiBase: string, webBase: string): Record<string, unknown> {
  const base = example(action);
  return {
    action,
    workflow_job: { ...base.workflow_job, ...jobJson(job, apiBase, webBase) },
    repository: repositoryJson(job.repository, apiBase, webBase),
    sender: base.sender,
    ...(base.installation ? { installation: base.installation } : {}),
  };
}
