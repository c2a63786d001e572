/** The `workflow_job` actions, in the order a job goes through them. */
export const JOB_STATES = ["waiting", "queued", "in_progress", "completed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What the controller needs of a `workflow_job` delivery (or of a job listed by the REST API). */
export interface WorkflowJobEvent {
  readonly id: number;
  readonly runId: number;
  readonly state: JobState;
  /** `owner/repo`. */
  readonly repository: string;
  readonly labels: readonly string[];
  /** The runner that took it (in_progress, completed); null before. */
  readonly runnerName: string | null;
  /** GitHub's times (epoch ms), when the payload has them: created (queued) and started. */
  readonly times?: { readonly createdAt: number | undefined; readonly startedAt: number | undefined };
}

function epochMs(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The job of a parsed `workflow_job` payload, "unknown action" for an action
 * GitHub may add later (acknowledged, not an error), or a string saying what
 * is malformed. GitHub sends `action: queued` with `status: waiting` for a
 * job held by an environment's protection rules: that job is not runnable.
 */
export function parseWorkflowJob(payload: unknown): WorkflowJobEvent | "unknown action" | string {
  if (!isObject(payload)) return "the body is not a JSON object";
  const { action, workflow_job: job, repository } = payload;
  if (typeof action !== "string") return "no action";
  if (!isObject(job)) return "no workflow_job object";
  if (!Number.isSafeInteger(job.id) || (job.id as number) <= 0) return "workflow_job.id is not a positive integer";
  if (!Number.isSafeInteger(job.run_id)) return "workflow_job.run_id is not an integer";
  if (!Array.isArray(job.labels) || !job.labels.every((l) => typeof l === "string")) return "workflow_job.labels is not a list of strings";
  if (!isObject(repository) || typeof repository.full_name !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository.full_name)) {
    return "repository.full_name is not owner/repo";
  }
  if (!(JOB_STATES as readonly string[]).includes(action)) return "unknown action";
  const state: JobState = action === "queued" && job.status === "waiting" ? "waiting" : (action as JobState);
  return {
    id: job.id as number,
    runId: job.run_id as number,
    state,
    repository: repository.full_name,
    labels: job.labels as string[],
    runnerName: typeof job.runner_name === "string" ? job.runner_name : null,
    times: { createdAt: epochMs(job.created_at), startedAt: epochMs(job.started_at) },
  };
}
