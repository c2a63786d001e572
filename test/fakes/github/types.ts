/**
 * Public shapes of the fake GitHub's state, as tests read them through
 * `fake.runners()`, `fake.job(id)` and `fake.requests()`.
 */

/** `repos/OWNER/REPO`, `orgs/ORG` or `enterprises/ENTERPRISE`: where runners are registered. */
export type Scope = string;

export interface RunnerLabel {
  id: number;
  name: string;
  type: "read-only" | "custom";
}

/** A registered runner. `status` is online while its listener holds a live session. */
export interface FakeRunner {
  id: number;
  name: string;
  scope: Scope;
  os: "Linux";
  status: "online" | "offline";
  busy: boolean;
  ephemeral: boolean;
  disableUpdate: boolean;
  runner_group_id: number;
  labels: RunnerLabel[];
  /** Runner software version, known once it connected. */
  version: string | null;
  /** Id of the job it runs, when busy. */
  jobId: number | null;
}

export type JobStatus = "queued" | "in_progress" | "completed";

/** Results as the runner names them (Runner.Listener `completed with result: R`). */
export type JobResult = "Succeeded" | "SucceededWithIssues" | "Failed" | "Canceled" | "Skipped" | "Abandoned";

export interface FakeJob {
  id: number;
  /** The workflow run it belongs to (jobs queued with the same `runId` form one run, a matrix). */
  runId: number;
  /** `owner/repo` of its workflow run. */
  repository: string;
  name: string;
  labels: string[];
  status: JobStatus;
  conclusion: JobResult | null;
  runnerName: string | null;
  runnerId: number | null;
  /** What the job printed (stdout and stderr of its `run` script), as the runner posted it. */
  log: string;
  /** Shell script the fake runner runs with `bash -c` in its work folder. */
  run?: string;
  /** When no `run`: how long the job sleeps. */
  durationMs?: number;
  /** Extra environment for the job's script. */
  env?: Record<string, string>;
  /** ISO times, as the REST API and webhooks show them. */
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** Queued with `hold` and not released yet (`releaseJob`). */
  held: boolean;
}

export interface JobSpec {
  labels: string[];
  /** Default `octo/hello`. */
  repository?: string;
  /** Joins an existing run (a matrix); default: a new run of its own. */
  runId?: number;
  name?: string;
  durationMs?: number;
  run?: string;
  env?: Record<string, string>;
  /**
   * The job stays in progress until `releaseJob(id)` (or a cancellation),
   * then runs `run` or sleeps `durationMs`: a test decides when it ends,
   * instead of racing its duration.
   */
  hold?: boolean;
}

/** One request the fake received. Headers and body are kept whole so tests can search them for secrets. */
export interface RequestRecord {
  time: number;
  method: string;
  /** Path with query, as sent. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A programmed failure: matching requests get `status` (after `delayMs`) instead of the normal answer. */
export interface FaultSpec {
  method?: string;
  /** Matched against the path without query and without the `/api/v3` prefix; a string must match exactly. */
  path: RegExp | string;
  /** Omitted: only delay, then answer normally. */
  status?: number;
  /** How many requests it applies to; unlimited when omitted. */
  times?: number;
  delayMs?: number;
  /**
   * Held until this settles (or the client hangs up), then answered: what
   * GitHub does with a request it is slow to answer, which it still carries
   * out when the client has left (a registration is created all the same).
   */
  until?: Promise<unknown>;
  /** Called when a request this fault applies to arrives. */
  onArrive?: () => void;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RateLimitSpec {
  /** 403 (primary limit, GitHub's usual answer) or 429. */
  status?: 403 | 429;
  /** How many REST requests are refused; default 1. */
  times?: number;
  /** Seconds until `x-ratelimit-reset`; default 60. */
  resetInSec?: number;
  /** Adds a `retry-after` header (seconds), as secondary limits do. */
  retryAfterSec?: number;
}
