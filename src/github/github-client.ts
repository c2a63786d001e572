import type { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { EXIT_CONFIG } from "../config/config-error.ts";
import type { Credentials } from "../config/credentials.ts";
import type { Config } from "../config/load-config.ts";
import { httpFetch } from "../http/http-fetch.ts";
import type { Logger } from "../log/logger.ts";
import { GitHubFatalError, httpStatus } from "./github-error.ts";
import { RunnerApi } from "./runner-api.ts";
import { requestWithRetry } from "./with-retry.ts";

/** Octokit logs failed requests to the console; the supervisor prints its own one-line errors. */
const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** An installation token this close to its expiry is not reused: deregistration may come hours after boot. */
const REFRESH_MARGIN_MS = 10 * 60_000;

/**
 * auth-app's default cache keeps a token 59 minutes whatever its
 * `expires_at`; this one drops it REFRESH_MARGIN_MS before that, so every
 * use gets a token that is still valid (value: `token|createdAt|expiresAt|...`).
 */
function expiryAwareCache(): { get(key: string): string | undefined; set(key: string, value: string): void } {
  const map = new Map<string, string>();
  return {
    get(key) {
      const value = map.get(key);
      const expiresAt = Date.parse(value?.split("|")[2] ?? "");
      if (value === undefined || !(expiresAt - Date.now() > REFRESH_MARGIN_MS)) {
        map.delete(key);
        return undefined;
      }
      return value;
    },
    set: (key, value) => void map.set(key, value),
  };
}

type AppAuth = ReturnType<typeof createAppAuth>;

/**
 * createAppAuth, with @octokit/auth-app (and its JWT and OAuth code) loaded
 * by the first request that needs it: a runner with a PAT never parses it.
 */
function lazyAppAuth(options: Parameters<typeof createAppAuth>[0]): Pick<AppAuth, "hook"> & ((...args: Parameters<AppAuth>) => ReturnType<AppAuth>) {
  let auth: Promise<AppAuth> | undefined;
  const load = () => (auth ??= import("@octokit/auth-app").then((m) => m.createAppAuth(options)));
  const lazy = async (...args: Parameters<AppAuth>) => (await load())(...args);
  return Object.assign(lazy, { hook: (async (...args: Parameters<AppAuth["hook"]>) => (await load()).hook(...args)) as AppAuth["hook"] });
}

function base(apiUrl: string) {
  return {
    baseUrl: apiUrl,
    userAgent: "ci-runner",
    headers: { "x-github-api-version": "2022-11-28" },
    log: SILENT,
    // Retries and rate limits are handled by withRetry, which honours the stop signal.
    request: { retries: 0, fetch: httpFetch },
  };
}

/** A client for a PAT, or for a GitHub App installation (installation id known). */
export function createOctokit(apiUrl: string, credentials: Credentials, installationId?: number): Octokit {
  if (credentials.kind === "app") {
    return new Octokit({
      ...base(apiUrl),
      authStrategy: lazyAppAuth,
      auth: {
        appId: credentials.appId,
        privateKey: credentials.privateKey,
        // auth-app refuses an explicit undefined: leave the key out for app-level (JWT) calls.
        ...((installationId ?? credentials.installationId) !== undefined ? { installationId: installationId ?? credentials.installationId } : {}),
        cache: expiryAwareCache(),
      },
    });
  }
  if (credentials.kind === "pat") return new Octokit({ ...base(apiUrl), auth: credentials.token });
  throw new Error(`no REST client for ${credentials.variable}`);
}

/**
 * The runner API of the configured scope, authenticated by a PAT or a
 * GitHub App (its installation looked up for the scope when
 * GH_APP_INSTALLATION_ID is not given). One per process: the supervisor's
 * phases share theirs through sharedRunnerApi, the controller holds its own.
 */
export async function connectRunnerApi(
  config: Config,
  log: Logger,
  signal: AbortSignal,
  /** What error lines name instead of the variables (a REPOS_CONFIG_FILE entry's fields). */
  names?: { readonly credential: string; readonly scope: string },
  /** Told of each retry's wait (a failed call), for the controller's bound on an unreachable GitHub. */
  onWait?: () => void,
): Promise<RunnerApi> {
  const { credentials, scope } = config;
  if (!credentials || !scope) throw new Error("connectRunnerApi needs credentials and a scope");
  const retry = { log, credentialVar: names?.credential ?? credentials.variable, scopeVariable: names?.scope ?? scope.variable, apiUrl: config.apiUrl, onWait };
  let installationId: number | undefined;
  if (credentials.kind === "app" && credentials.installationId === undefined) {
    const appClient = createOctokit(config.apiUrl, credentials);
    const what = `GET /${scope.apiPath}/installation`;
    const res = await requestWithRetry(appClient, retry, what, {}, signal).catch((e: unknown) => {
      if (httpStatus(e) !== 404) throw e;
      throw new GitHubFatalError(`${retry.credentialVar}: GitHub App ${credentials.appId} is not installed on ${scope.name} (404 from ${what}); install it there or set GH_APP_INSTALLATION_ID`, EXIT_CONFIG);
    });
    installationId = (res.data as { id: number }).id;
    log.info(`GitHub App ${credentials.appId}: installation ${installationId} for ${scope.name}`);
  }
  return new RunnerApi(createOctokit(config.apiUrl, credentials, installationId), scope.apiPath, retry);
}

/**
 * The RunnerApi of `config`'s scope, connected on the first call and then
 * shared. A failed connect is not kept, so a later caller tries again.
 */
export function lazyRunnerApi(config: Config, log: Logger, signal: AbortSignal): () => Promise<RunnerApi> {
  let api: Promise<RunnerApi> | undefined;
  return () => {
    if (!api) {
      const connecting = connectRunnerApi(config, log, signal);
      connecting.catch(() => {
        if (api === connecting) api = undefined;
      });
      api = connecting;
    }
    return api;
  };
}
