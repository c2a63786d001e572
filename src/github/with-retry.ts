import { EXIT_CONFIG } from "../config/config-error.ts";
import { httpLimitError } from "../http/http-limit-error.ts";
import type { Octokit } from "@octokit/rest";
import { retry, STOPPED, type Again, type Attempt, type RetryOptions as LoopOptions } from "../lifecycle/retry.ts";
import { GitHubFatalError, gitHubMessage, httpStatus, untrustedCertCode, type HttpErrorLike } from "./github-error.ts";

export interface RetryOptions extends Pick<LoopOptions, "log" | "signal" | "onWait"> {
  /** The variable that holds the credential, for the 401 line (GH_TOKEN, GH_APP_ID...). */
  readonly credentialVar: string;
  /** The variable that chose the scope, and the API base, for 404 lines. */
  readonly scopeVariable?: string;
  readonly apiUrl?: string;
  /** What a 403 means for these calls (default: the runner administration permissions). */
  readonly forbidden?: string;
}

/** Longest wait for a rate-limit reset before trying anyway. */
const MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;

function header(e: unknown, name: string): string | undefined {
  const v = (e as HttpErrorLike | null)?.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

/** Milliseconds to wait for a rate limit, or undefined when the error is not one. */
function rateLimitWaitMs(e: unknown, now = Date.now()): number | undefined {
  const status = httpStatus(e);
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = header(e, "retry-after");
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const remaining = header(e, "x-ratelimit-remaining");
  const reset = header(e, "x-ratelimit-reset");
  if (remaining === "0" && reset !== undefined && /^\d+$/.test(reset)) return Math.max(1000, Number(reset) * 1000 - now + 1000);
  if (status === 429 || /rate limit/i.test(gitHubMessage(e))) return 60_000;
  return undefined;
}

/** What a failed GitHub call comes to: a retry, or an error to throw (fatal ones as one line). */
function verdict(e: unknown, what: string, opts: RetryOptions): Again {
  const status = httpStatus(e);
  if (status === 401) {
    throw new GitHubFatalError(`${opts.credentialVar}: GitHub answered 401 (${gitHubMessage(e)}) to ${what}: the credential is wrong, expired or revoked`, EXIT_CONFIG);
  }
  const cert = untrustedCertCode(e);
  if (cert !== undefined) {
    const host = opts.apiUrl ? new URL(opts.apiUrl).host : "GitHub";
    throw new GitHubFatalError(
      `GH_URL: the TLS certificate of ${host} is not trusted (${cert}) during ${what}; for a private CA give its PEM file ` +
        "to NODE_EXTRA_CA_CERTS (the supervisor) and add it to the image's trust store (the runner), see README",
      EXIT_CONFIG,
    );
  }
  const limit = httpLimitError(e);
  if (limit !== undefined) throw new GitHubFatalError(`${what}: ${limit.message}`);
  const limitWait = rateLimitWaitMs(e);
  if (limitWait !== undefined) return { retry: `GitHub rate limit hit during ${what}, waiting for its reset`, waitMs: Math.min(limitWait, MAX_RATE_LIMIT_WAIT_MS) };
  if (status === 403) {
    throw new GitHubFatalError(
      `${opts.credentialVar}: GitHub answered 403 (${gitHubMessage(e)}) to ${what}: ` +
        (opts.forbidden ??
          `the token lacks the permission "Administration: write" (repository; fine-grained PAT), "Self-hosted runners: write" (organization), or the classic "repo"/"admin:org" scope`),
      EXIT_CONFIG,
    );
  }
  // Octokit reports network failures (refused, reset, DNS, timeout) as status 500 RequestErrors.
  if (status === undefined || status >= 500 || status === 408) return { retry: `${what} failed (${status ?? "network"}: ${gitHubMessage(e)})` };
  throw e;
}

/**
 * Runs one GitHub call, retrying 5xx and network errors with the backoff of
 * `retry`, and waiting out rate limits (403/429) until their reset, one log
 * line per wait; a stop (`signal`) rethrows the last error. 401 and missing
 * permissions become a GitHubFatalError naming the credential variable, an
 * answer the client refused (too large) one naming the call; other 4xx are
 * rethrown for the caller (404, 409, 422 have meanings there).
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  let last: unknown;
  const result = await retry(async (): Promise<Attempt<T>> => {
    try {
      return { done: await fn() };
    } catch (e) {
      last = e;
      return verdict(e, what, opts);
    }
  }, opts);
  if (result === STOPPED) throw last;
  return result;
}

/**
 * `octokit.request(route, params)`, retried per withRetry; `what` names it in log lines. `signal` also abandons the
 * request in flight, else a stop waits out GitHub's answer (up to the idle timeout, 30 s: past `docker stop`'s
 * grace); `inFlight` instead, for a call whose answer says what GitHub created.
 */
export function requestWithRetry(
  octokit: Octokit,
  opts: RetryOptions,
  route: string,
  params: Record<string, unknown> = {},
  signal?: AbortSignal,
  what = route,
  inFlight = signal,
) {
  const sent = inFlight === undefined ? params : { ...params, request: { signal: inFlight } };
  return withRetry(what, () => octokit.request(route, sent), signal === undefined ? opts : { ...opts, signal });
}
