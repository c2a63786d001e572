import type { Config } from "../config/load-config.ts";
import { controllerSettings, manyScopesControllerId, type ControllerSettings } from "./controller-settings.ts";
import type { EntrySpec } from "./entry-spec.ts";
import type { ReposConfig } from "./repos-config.ts";

/** The webhook path of the single-scope mode. */
export const SINGLE_WEBHOOK_PATH = "/webhook";

/**
 * One scope the controller serves: the environment's (single-scope mode)
 * or one REPOS_CONFIG_FILE entry. Each has its own controller (books,
 * runners, state file), webhook path and secret; per-scope work (its
 * GitHub client, its webhook) is done once per entry.
 */
export interface ScopeEntry {
  /** The entry's id; undefined for the environment's single scope. */
  readonly id: string | undefined;
  /** Where its deliveries arrive: /webhook, or /webhook/{id}. */
  readonly path: string;
  /** The environment's Config, with the entry's scope, credential, labels, cap and image. */
  readonly config: Config;
  readonly settings: ControllerSettings;
  readonly secret: string;
  /** What GitHub error lines name for the credential and the scope (GH_TOKEN, or the file, entry and field). */
  readonly names: { readonly credential: string; readonly scope: string };
  /** What the entry was read as: a reload compares it. */
  readonly spec: EntrySpec | undefined;
}

/** The environment's scope; `secret`: WEBHOOK_SECRET, or the one generated in DATA_DIR/secrets/default. */
export function singleEntry(config: Config, secret: string): ScopeEntry {
  if (!config.scope || !config.credentials) throw new Error("singleEntry needs a scope and a credential");
  return {
    id: undefined,
    path: SINGLE_WEBHOOK_PATH,
    config,
    settings: controllerSettings(config),
    secret,
    names: { credential: config.credentials.variable, scope: config.scope.variable },
    spec: undefined,
  };
}

/** The environment's Config as one entry's controller sees it. */
function entryConfig(base: Config, spec: EntrySpec): Config {
  return Object.freeze({
    ...base,
    GH_URL: spec.ghUrl,
    GH_REPOSITORY: spec.scope.kind === "repository" ? spec.scope.name : undefined,
    GH_ORG: spec.scope.kind === "organization" ? spec.scope.name : undefined,
    GH_ENTERPRISE: spec.scope.kind === "enterprise" ? spec.scope.name : undefined,
    apiUrl: spec.apiUrl,
    scope: spec.scope,
    credentials: spec.credentials,
    GH_LABELS: spec.runnerLabels ? [...spec.runnerLabels] : undefined,
    MAX_RUNNERS: spec.maxRunners,
    // WARM_RUNNERS applies to each entry, within its cap.
    WARM_RUNNERS: Math.min(base.WARM_RUNNERS, spec.maxRunners),
    RUNNER_IMAGE: spec.runnerImage,
    RUNNER_GROUP: spec.runnerGroup,
    WEBHOOK_SECRET: spec.webhookSecret,
  });
}

/** `secretOf(id, given)`: the entry's secret, the given one or one generated and kept for it. */
export function manyEntries(base: Config, repos: ReposConfig, secretOf: (id: string, given: string | undefined) => string): ScopeEntry[] {
  const controllerId = manyScopesControllerId(base);
  return repos.entries.map((spec) => {
    const config = entryConfig(base, spec);
    const where = `REPOS_CONFIG_FILE ${repos.file}: entry "${spec.id}"`;
    return {
      id: spec.id,
      path: `${SINGLE_WEBHOOK_PATH}/${spec.id}`,
      config,
      settings: controllerSettings(config, { id: spec.id, controllerId, requiredLabels: spec.requiredLabels }),
      secret: secretOf(spec.id, spec.webhookSecret),
      names: {
        // GH_TOKEN (the environment's, shared) or the entry's field.
        credential: /^[A-Z_]+$/.test(spec.credentialSource) ? spec.credentialSource : `${where}: ${spec.credentialSource}`,
        scope: `${where}: github_url`,
      },
      spec,
    };
  });
}
