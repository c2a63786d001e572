import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { checkAppPrivateKey } from "../config/private-key.ts";
import { ConfigError } from "../config/config-error.ts";
import type { Credentials } from "../config/credentials.ts";
import { defaultApiUrl, type Config } from "../config/load-config.ts";
import { commaList, integer, token } from "../config/rules.ts";
import { resolveScope, type Scope } from "../config/scope.ts";
import { splitGitHubUrl } from "../config/split-github-url.ts";
import { VARS } from "../config/vars.ts";
import { entryWebhookSecret } from "./entry-secret.ts";

/** One entry of REPOS_CONFIG_FILE as written (JSON values, unchecked). */
export type EntryFields = Readonly<Record<string, unknown>>;

/** One entry, checked: what its controller serves, with what, under which cap. */
export interface EntrySpec {
  readonly id: string;
  readonly scope: Scope;
  /** The server's root URL (GH_URL of this entry). */
  readonly ghUrl: string;
  readonly apiUrl: string;
  readonly credentials: Extract<Credentials, { kind: "pat" | "app" }>;
  /** Where the credential came from, for the line of a 401 or 403: `entry "web": github_token_file`, `GH_TOKEN`. */
  readonly credentialSource: string;
  /** Added to the default labels (as GH_LABELS); undefined: none. */
  readonly runnerLabels: readonly string[] | undefined;
  /** A job must carry each of these (as well as fit the runner labels) to be this entry's. */
  readonly requiredLabels: readonly string[];
  readonly maxRunners: number;
  readonly runnerImage: string;
  readonly runnerGroup: string | undefined;
  /** Undefined: generated and kept in DATA_DIR/secrets/{id} (WEBHOOK_HOST set, no secret given). */
  readonly webhookSecret: string | undefined;
  /** Where the secret came from (`webhook_secret_file /path`, `WEBHOOK_SECRET`, `generated`), never the secret. */
  readonly webhookSecretSource: string;
  /** Every secret value of the entry, for the log mask. */
  readonly secrets: readonly string[];
}


/** A field's value: the entry's, else `defaults`' (named `defaults.FIELD` in errors), else undefined. */
function picker(entry: EntryFields, defaults: EntryFields) {
  return (field: string): { value: unknown; name: string } | undefined => {
    if (entry[field] !== undefined) return { value: entry[field], name: field };
    if (defaults[field] !== undefined) return { value: defaults[field], name: `defaults.${field}` };
    return undefined;
  };
}

/** Fields whose value is itself a secret: a wrong one is described by its type, never shown. */
const SECRET_FIELDS = new Set(["github_token"]);

/** What a wrong value was, for its error: the value, or for a secret field only its type (a token pasted as a number or a list). */
function got(v: { value: unknown; name: string }): string {
  if (!SECRET_FIELDS.has(v.name.replace(/^defaults\./, ""))) return `got ${JSON.stringify(v.value)}`;
  const type = v.value === null ? "null" : Array.isArray(v.value) ? "a list" : typeof v.value === "object" ? "an object" : typeof v.value === "string" ? "an empty string" : `a ${typeof v.value}`;
  return `got ${type} (the value is secret, not shown)`;
}

function str(v: { value: unknown; name: string }): string {
  if (typeof v.value !== "string" || v.value.trim() === "") throw new ConfigError(v.name, `expected a non-empty string, ${got(v)}`);
  return v.value;
}

/** Seed 004 writes labels as "a,b"; a JSON list is taken too. */
function labels(v: { value: unknown; name: string }): string[] {
  const raw = Array.isArray(v.value) && v.value.every((l) => typeof l === "string") ? v.value.join(",") : str(v);
  return commaList(raw, v.name, false);
}

function int(v: { value: unknown; name: string }, min: number, max?: number): number {
  if (typeof v.value !== "number" && typeof v.value !== "string") throw new ConfigError(v.name, `expected an integer, ${got(v)}`);
  return integer(min, max)(String(v.value), v.name, false);
}

/** A file named by the entry, relative to the config file's directory. */
function readNamed(v: { value: unknown; name: string }, configFile: string): string {
  const path = resolve(dirname(configFile), str(v));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(v.name, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (text.trim() === "") throw new ConfigError(v.name, `${path} is empty`);
  return text;
}

/** Exactly one credential: the entry's, else defaults', else the environment's GH_TOKEN or App. */
function credential(entry: EntryFields, defaults: EntryFields, base: Config, configFile: string): { credentials: EntrySpec["credentials"]; source: string } {
  for (const [fields, prefix] of [[entry, ""], [defaults, "defaults."]] as const) {
    const set = ["github_token", "github_token_file", "app_id"].filter((f) => fields[f] !== undefined);
    if (fields.app_private_key_file !== undefined && fields.app_id === undefined) throw new ConfigError(`${prefix}app_private_key_file`, "needs app_id");
    if (fields.installation_id !== undefined && fields.app_id === undefined) throw new ConfigError(`${prefix}installation_id`, "needs app_id");
    if (set.length > 1) throw new ConfigError(set.map((f) => prefix + f).join(", "), "two credentials: give exactly one of github_token_file, github_token, app_id");
    const field = set[0];
    if (field === undefined) continue;
    const v = { value: fields[field], name: prefix + field };
    if (field === "app_id") {
      const appId = int(v, 1);
      const keyField = fields.app_private_key_file;
      if (keyField === undefined) throw new ConfigError(`${prefix}app_private_key_file`, "required with app_id: the App's private key (PEM file)");
      const privateKey = readNamed({ value: keyField, name: `${prefix}app_private_key_file` }, configFile);
      checkAppPrivateKey(privateKey, `${prefix}app_private_key_file`);
      const inst = fields.installation_id === undefined ? undefined : int({ value: fields.installation_id, name: `${prefix}installation_id` }, 1);
      return { credentials: { kind: "app", variable: "GH_APP_ID", appId, privateKey, installationId: inst }, source: v.name };
    }
    const raw = field === "github_token_file" ? readNamed(v, configFile) : str(v);
    const tok = token(raw, v.name, true).trim();
    return { credentials: { kind: "pat", variable: "GH_TOKEN", token: tok }, source: v.name };
  }
  const c = base.credentials;
  if (c?.kind === "pat" || c?.kind === "app") return { credentials: c, source: c.variable };
  throw new ConfigError("github_token_file", "no credential: github_token_file, github_token or app_id with app_private_key_file (in the entry or in defaults), or GH_TOKEN or a GitHub App in the environment for every entry");
}

/**
 * Checks one entry (its fields, then `defaults`, then the environment's
 * variables) and reads the files it names (relative to the config file).
 * Throws a ConfigError naming the field.
 */
export function entrySpec(entry: EntryFields, defaults: EntryFields, base: Config, configFile: string): EntrySpec {
  const pick = picker(entry, defaults);
  const url = pick("github_url");
  if (url === undefined || entry.github_url === undefined) throw new ConfigError("github_url", "required: https://github.com/owner/repo or https://github.com/org");
  const split = splitGitHubUrl("github_url", str(url));
  const ghUrl = split.GH_URL as string;
  if (split.GH_REPOSITORY === undefined && split.GH_ORG === undefined && split.GH_ENTERPRISE === undefined) {
    throw new ConfigError("github_url", `expected https://host/owner/repo or https://host/org, got "${str(url)}"`);
  }
  const scope = resolveScope(ghUrl, split, false) as Scope;
  // GH_API_URL is for the environment's server; an entry on another server gets its own default.
  const apiUrl = base.GH_API_URL !== undefined && new URL(base.GH_URL).origin === new URL(ghUrl).origin ? base.apiUrl : defaultApiUrl(ghUrl);
  const { credentials, source } = credential(entry, defaults, base, configFile);
  const lab = pick("runner_labels");
  const req = pick("required_labels");
  const max = pick("max_runners");
  const image = pick("runner_image");
  const group = pick("runner_group");
  const runnerGroup = group === undefined ? base.RUNNER_GROUP : str(group);
  if (scope.kind === "repository" && runnerGroup !== undefined && runnerGroup.toLowerCase() !== "default") {
    throw new ConfigError(group?.name ?? "RUNNER_GROUP", `runner groups exist for organizations and enterprises only; a repository's runners are in Default, got "${runnerGroup}"`);
  }
  if (scope.kind === "enterprise" && base.WEBHOOK_HOST !== undefined) {
    throw new ConfigError("github_url", "GitHub's REST API has no webhooks for an enterprise, and WEBHOOK_HOST is set: unset it and add the hook by hand");
  }
  const secret = entryWebhookSecret(pick("webhook_secret_file"), base, (v) => readNamed(v, configFile));
  const secrets = [...(secret ? [secret.value] : []), ...(credentials.kind === "pat" ? [credentials.token] : [credentials.privateKey])];
  return {
    id: entry.id as string,
    scope,
    ghUrl,
    apiUrl,
    credentials,
    credentialSource: source,
    runnerLabels: lab === undefined ? base.GH_LABELS : labels(lab),
    requiredLabels: req === undefined ? [] : labels(req),
    maxRunners: max === undefined ? base.MAX_RUNNERS : int(max, 1, 10000),
    runnerImage: image === undefined ? base.RUNNER_IMAGE : VARS.RUNNER_IMAGE.rule(str(image), image.name, false),
    runnerGroup,
    webhookSecret: secret?.value,
    webhookSecretSource: secret?.source ?? "generated",
    secrets,
  };
}
