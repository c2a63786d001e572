import { Octokit } from "@octokit/rest";

export interface OctokitOptions {
  readonly apiUrl: string;
  readonly token: string;
}

/** The REST client. Retries and rate limits are handled by withRetry, which honours the stop signal. */
export function createOctokit(opts: OctokitOptions): Octokit {
  return new Octokit({
    auth: opts.token,
    baseUrl: opts.apiUrl,
    userAgent: "ci-runner",
    headers: { "x-github-api-version": "2022-11-28" },
    // Octokit logs failed requests to the console; the supervisor prints its own one-line errors.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { retries: 0 },
  });
}
