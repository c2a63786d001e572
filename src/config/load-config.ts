import { readFileSync } from "node:fs";
import { ALIASES } from "./alias-table.ts";
import { resolveAliases } from "./aliases.ts";
import { ConfigError } from "./config-error.ts";
import { resolveCredentials, type Credentials } from "./credentials.ts";
import { resolveScope, type Scope } from "./scope.ts";
import { currentUser } from "./current-user.ts";
import { lookupUser, type UserInfo } from "./lookup-user.ts";
import { refuseWorkDirHolding, resolveWorkDir } from "./work-dir.ts";
import { VARS, type VarName, type VarSpec, type VarValues } from "./vars.ts";

export interface Config extends VarValues {
  /** REST API base: GH_API_URL, https://api.github.com, https://api.SUBDOMAIN.ghe.com, or GH_URL + /api/v3 for GitHub Enterprise Server. */
  readonly apiUrl: string;
  /** Where runners are registered; undefined only with a pre-issued JIT config (or `ci-runner forward`). */
  readonly scope: Scope | undefined;
  /** Exactly one kind; undefined only for `ci-runner forward`. */
  readonly credentials: Credentials | undefined;
  /** Ephemeral, JIT or pre-issued JIT. */
  readonly oneJob: boolean;
  readonly runnerUser: UserInfo;
  readonly runnerDir: string;
  /** Where jobs work: WORK_DIR, or the work folder of a pre-issued JIT config (see resolveWorkDir). */
  readonly workDir: string;
  readonly guestHooksDir: string;
  /** GC_OFFLINE_AFTER_SEC, else longer than a runner can stay registered and offline while it boots. */
  readonly gcOfflineAfterSec: number;
  readonly secretFiles: readonly string[];
  /** Every secret value set (tokens, keys, JIT config), for the run's log mask. */
  readonly secrets: readonly string[];
  /** One line each: another image's variable set without (the expected) effect here. */
  readonly warnings: readonly string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

function readSecretFile(dir: string, name: string): string | undefined {
  try {
    return readFileSync(`${dir}/${name}`, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError(name, `cannot read secret file ${dir}/${name}: ${code ?? String(e)}`);
  }
}

/** The one frozen Config; a ConfigError names the first bad variable, before anything is started or registered. */
export function loadConfig(
  rawEnv: Env,
  users: (name: string) => UserInfo | undefined = lookupUser,
  /** `ci-runner forward` needs no GitHub settings; neither it nor the controller (its runners live in other containers) a runner user. */
  purpose: "runner" | "forward" | "controller" = "runner",
): Config {
  const github = purpose !== "forward";
  // The other seed images' names (GITHUB_URL, ACCESS_TOKEN, ...) become ours first.
  const secrets: string[] = [];
  for (const a of ALIASES) if (a.secret && rawEnv[a.name]) secrets.push(rawEnv[a.name] as string);
  const { env, setAs, warnings } = github ? resolveAliases(rawEnv) : { env: rawEnv, setAs: new Map<string, string>(), warnings: [] };
  // Read first: the secret rows of the table below are looked up in it.
  const secretsDir = env.CI_RUNNER_SECRETS_DIR || VARS.CI_RUNNER_SECRETS_DIR.default;
  const values: Record<string, unknown> = {};
  const secretFiles: string[] = [];
  for (const [name, spec] of Object.entries(VARS) as [VarName, VarSpec<unknown>][]) {
    let raw = env[name];
    // Blank counts as unset, as for every variable (compose's `GH_TOKEN: ` or an env file's trailing space).
    if (spec.secret && (raw === undefined || raw.trim() === "")) {
      const fromFile = readSecretFile(secretsDir, name);
      if (fromFile !== undefined) {
        raw = name.endsWith("_KEY") ? fromFile : fromFile.trim();
        secretFiles.push(name);
      }
    }
    if (spec.secret && raw) secrets.push(raw);
    if (raw === undefined || raw.trim() === "") raw = spec.default;
    try {
      values[name] = raw === undefined ? undefined : spec.rule(spec.secret ? raw : raw.trim(), name, spec.secret ?? false);
    } catch (e) {
      // Name what the user actually set: ACCESS_TOKEN, not the GH_TOKEN it became.
      const alias = setAs.get(name);
      if (!(e instanceof ConfigError) || alias === undefined) throw e;
      throw new ConfigError(`${name} (set as ${alias})`, e.message.slice(name.length + 2));
    }
  }
  const vals = values as unknown as VarValues;

  if ((vals.FORWARD_PORTS === undefined) !== (vals.FORWARD_HOST === undefined)) {
    const missing = vals.FORWARD_PORTS === undefined ? "FORWARD_PORTS" : "FORWARD_HOST";
    throw new ConfigError(missing, "FORWARD_HOST and FORWARD_PORTS go together: set both or neither");
  }

  const apiUrl = vals.GH_API_URL ?? defaultApiUrl(vals.GH_URL);
  let credentials: Credentials | undefined;
  let scope: Scope | undefined;
  // REPOS_CONFIG_FILE's entries bring their scope, credential, labels and secret (the environment's are their defaults).
  const manyScopes = purpose === "controller" && vals.REPOS_CONFIG_FILE !== undefined;
  if (manyScopes) {
    const set = (["GH_REPOSITORY", "GH_ORG", "GH_ENTERPRISE"] as const).filter((n) => vals[n] !== undefined);
    if (set.length > 0) throw new ConfigError(set.join(", "), `REPOS_CONFIG_FILE is set too: each of its entries has its own github_url; unset ${set.join(" and ")}`);
    const anyCredential = [vals.GH_TOKEN, vals.GH_APP_ID, vals.GH_APP_PRIVATE_KEY, vals.GH_RUNNER_TOKEN, vals.ACTIONS_RUNNER_INPUT_JITCONFIG].some((v) => v !== undefined);
    credentials = anyCredential ? resolveCredentials(vals) : undefined;
    if (credentials && credentials.kind !== "pat" && credentials.kind !== "app") {
      throw new ConfigError(credentials.variable, "ci-runner controller needs GH_TOKEN or a GitHub App to call generate-jitconfig for its runners");
    }
  } else if (github) {
    credentials = resolveCredentials(vals);
    if (purpose === "controller" && credentials.kind !== "pat" && credentials.kind !== "app") {
      throw new ConfigError(credentials.variable, "ci-runner controller needs GH_TOKEN or a GitHub App (GH_APP_ID) to call generate-jitconfig for its runners");
    }
    const preIssued = credentials.kind === "jit";
    scope = resolveScope(vals.GH_URL, vals, preIssued);
    if (!preIssued && vals.GH_LABELS === undefined) throw new ConfigError("GH_LABELS", `required: ${VARS.GH_LABELS.doc}`);
    // GitHub has runner groups for organizations and enterprises only; config.sh would fail late, JIT would ignore it.
    if (scope?.kind === "repository" && vals.RUNNER_GROUP !== undefined && vals.RUNNER_GROUP.toLowerCase() !== "default") {
      throw new ConfigError("RUNNER_GROUP", `runner groups exist for organizations and enterprises only (GH_ORG, GH_ENTERPRISE); a repository's runners are in Default, got "${vals.RUNNER_GROUP}"`);
    }
    if (vals.RUNNER_JIT && (credentials.kind === "runner-token" || preIssued)) {
      throw new ConfigError("RUNNER_JIT", `needs GH_TOKEN or a GitHub App to call generate-jitconfig, not ${credentials.variable}`);
    }
    // A JIT registration lives for one job and only in memory: there is nothing to resume.
    if (vals.RUNNER_REGISTRATION_DIR !== undefined && (vals.RUNNER_JIT || preIssued)) {
      const jit = preIssued ? "ACTIONS_RUNNER_INPUT_JITCONFIG" : "RUNNER_JIT=1";
      throw new ConfigError("RUNNER_REGISTRATION_DIR", `a JIT runner (${jit}) registers for one job and cannot be resumed: unset one of them`);
    }
  }

  if (purpose === "controller") {
    if (vals.WEBHOOK_SECRET === undefined && vals.WEBHOOK_HOST === undefined && !manyScopes) {
      throw new ConfigError("WEBHOOK_SECRET", `required (or the file ${secretsDir}/WEBHOOK_SECRET) unless WEBHOOK_HOST is set: ${VARS.WEBHOOK_SECRET.doc}`);
    }
    if (vals.WEBHOOK_HOST !== undefined && scope?.kind === "enterprise") {
      throw new ConfigError("WEBHOOK_HOST", "GitHub's REST API has no webhooks for an enterprise: unset it and add the hook in the enterprise's settings by hand");
    }
    if ((vals.TLS_CERT_FILE === undefined) !== (vals.TLS_KEY_FILE === undefined)) {
      const missing = vals.TLS_CERT_FILE === undefined ? "TLS_CERT_FILE" : "TLS_KEY_FILE";
      throw new ConfigError(missing, "TLS_CERT_FILE and TLS_KEY_FILE go together: set both (HTTPS) or neither (HTTP)");
    }
    if (vals.WARM_RUNNERS > vals.MAX_RUNNERS) {
      throw new ConfigError("WARM_RUNNERS", `${vals.WARM_RUNNERS} idle runners cannot be kept under MAX_RUNNERS=${vals.MAX_RUNNERS}`);
    }
  }

  if (purpose === "runner" && vals.CLOUDWATCH_METRICS && vals.AWS_REGION === undefined) {
    throw new ConfigError("AWS_REGION", "required with CLOUDWATCH_METRICS=1 (the region CloudWatch metrics go to, e.g. us-east-1)");
  }

  const runnerUser = purpose === "runner" ? users(vals.RUNNER_USER) : currentUser();
  if (!runnerUser) throw new ConfigError("RUNNER_USER", `no such user "${vals.RUNNER_USER}" in /etc/passwd`);

  // The image's runner root, where actions-runner-controller's chart looks for it (~guest/actions-runner links there).
  const runnerDir = vals.RUNNER_DIR ?? "/home/runner";
  const workDir = purpose === "runner" ? resolveWorkDir(vals.WORK_DIR, Boolean(env.WORK_DIR?.trim()), credentials, runnerDir) : vals.WORK_DIR;
  const guestHooksDir = vals.GUEST_HOOKS_DIR ?? runnerUser.home;
  if (purpose === "runner") {
    const { ROOT_HOOKS_DIR, CACHE_DIR, RUNNER_REGISTRATION_DIR, CI_RUNNER_STATE_FILE } = vals;
    refuseWorkDirHolding(workDir, { RUNNER_DIR: runnerDir, CACHE_DIR, ROOT_HOOKS_DIR, GUEST_HOOKS_DIR: guestHooksDir, RUNNER_REGISTRATION_DIR, CI_RUNNER_STATE_FILE, CI_RUNNER_SECRETS_DIR: secretsDir });
  }
  // A start clears the runner directory's registration files before it restores the kept ones.
  if (vals.RUNNER_REGISTRATION_DIR === runnerDir) {
    throw new ConfigError("RUNNER_REGISTRATION_DIR", `must not be the runner directory ${runnerDir}: use a directory (a volume) of its own`);
  }

  // Kept registrations are offline on purpose between a stop and the next start: the cleanup would
  // delete them. On by default, it is off with RUNNER_KEEP_REGISTRATION unless set explicitly.
  const gcOffline = vals.RUNNER_GC_OFFLINE && !(vals.RUNNER_KEEP_REGISTRATION && !env.RUNNER_GC_OFFLINE?.trim());

  return Object.freeze({
    ...vals,
    RUNNER_GC_OFFLINE: gcOffline,
    apiUrl,
    scope,
    credentials,
    oneJob: vals.RUNNER_EPHEMERAL || vals.RUNNER_JIT || credentials?.kind === "jit",
    runnerUser,
    runnerDir,
    workDir,
    guestHooksDir,
    // Registered, and offline, until the warm start and the Docker wait are over.
    gcOfflineAfterSec: vals.GC_OFFLINE_AFTER_SEC ?? (vals.CI_STORAGE_HOST ? vals.CI_STORAGE_LOAD_TIMEOUT_SEC : 0) + vals.RUNNER_WAIT_FOR_DOCKER_IN_SECONDS + 300,
    secretFiles: Object.freeze(secretFiles),
    secrets: Object.freeze(secrets),
    warnings: Object.freeze([...warnings]),
  });
}

/** api.github.com; api.SUBDOMAIN.ghe.com for GitHub Enterprise Cloud with data residency; else Enterprise Server's /api/v3. */
export function defaultApiUrl(ghUrl: string): string {
  const url = new URL(ghUrl);
  if (url.host === "github.com") return "https://api.github.com";
  if (url.hostname.endsWith(".ghe.com")) return `${url.protocol}//api.${url.host}`;
  return `${ghUrl}/api/v3`;
}
