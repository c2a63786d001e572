import { EXIT_CONFIG } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import type { Logger } from "../log/logger.ts";
import { createOctokit } from "./create-octokit.ts";
import { RunnerApi } from "./runner-api.ts";
import { GitHubFatalError, httpStatus } from "./github-error.ts";
import { withRetry } from "./with-retry.ts";

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
): Promise<RunnerApi> {
  const { credentials, scope } = config;
  if (!credentials || !scope) throw new Error("connectRunnerApi needs credentials and a scope");
  const retry = { log, credentialVar: names?.credential ?? credentials.variable, scopeVariable: names?.scope ?? scope.variable, apiUrl: config.apiUrl };
  let installationId: number | undefined;
  if (credentials.kind === "app" && credentials.installationId === undefined) {
    const appClient = createOctokit(config.apiUrl, credentials);
    const what = `GET /${scope.apiPath}/installation`;
    const res = await withRetry(what, () => appClient.request(`GET /${scope.apiPath}/installation`), { ...retry, signal }).catch((e: unknown) => {
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
