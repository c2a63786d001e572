import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { ALIASES } from "../config/alias-table.ts";
import { ConfigError } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { VARS } from "../config/vars.ts";
import { parseEnvFile } from "../hooks/parse-env-file.ts";
import { defaultLabels } from "../runner/register-jit.ts";
import { controllerIdFile } from "./controller-id-file.ts";

/** What the controller derives from its Config, checked before anything starts. */
export interface ControllerSettings {
  /** On every container's labels: what this controller owns (every entry of REPOS_CONFIG_FILE shares it). */
  readonly controllerId: string;
  /** The REPOS_CONFIG_FILE entry (LABEL_ENTRY on its containers); undefined in the single-scope mode. */
  readonly entryId: string | undefined;
  /** In every runner's name: the controller id, or a hash of it and the entry's id (two entries may share a scope). */
  readonly runnerKey: string;
  /** What its runners are registered with, and what a job's labels must be a subset of. */
  readonly runnerLabels: readonly string[];
  /** Labels a job must carry, besides fitting runnerLabels (an entry's required_labels). */
  readonly requiredLabels: readonly string[];
  /** RUNNER_ENV_FILE's variables, for every runner container's environment (its secret ones aside). */
  readonly runnerEnv: Readonly<Record<string, string>>;
  /**
   * RUNNER_ENV_FILE's secret variables (CI_STORAGE_PRIVATE_KEY) as files by absolute path, in the runner's secrets
   * dir: the supervisor reads a secret there when its variable is unset, and `docker inspect` shows no file.
   */
  readonly runnerSecretFiles: Readonly<Record<string, string>>;
}

const hash8 = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 8);

/** Never given to a runner container: it gets a JIT config and nothing else that registers or deregisters. */
const CREDENTIALS = new Set([
  "GH_TOKEN",
  "GH_APP_ID",
  "GH_APP_PRIVATE_KEY",
  "GH_RUNNER_TOKEN",
  "ACTIONS_RUNNER_INPUT_JITCONFIG",
  "WEBHOOK_SECRET",
  ...ALIASES.filter((a) => a.secret).map((a) => a.name),
]);

/** Secret variables a runner may be given (CREDENTIALS, the others, are refused): kept out of its container's environment. */
const SECRETS = new Set(Object.entries(VARS).filter(([name, spec]) => (spec as { secret?: boolean }).secret && !CREDENTIALS.has(name)).map(([name]) => name));

/** RUNNER_ENV_FILE, split: the environment, and the secret variables as files in the runner's secrets dir. */
function runnerEnvAndSecrets(file: string | undefined): Pick<ControllerSettings, "runnerEnv" | "runnerSecretFiles"> {
  if (file === undefined) return { runnerEnv: {}, runnerSecretFiles: {} };
  const all = readRunnerEnv(file);
  // As the runner's supervisor reads it: a blank value is the default.
  const dir = all.CI_RUNNER_SECRETS_DIR?.trim() || VARS.CI_RUNNER_SECRETS_DIR.default;
  const runnerEnv: Record<string, string> = {};
  const runnerSecretFiles: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (SECRETS.has(name)) runnerSecretFiles[posix.join(dir, name)] = value;
    else runnerEnv[name] = value;
  }
  return { runnerEnv, runnerSecretFiles };
}

/** RUNNER_ENV_FILE: `NAME=value` lines ($GITHUB_ENV format, heredocs too); `#` lines are comments. */
function readRunnerEnv(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError("RUNNER_ENV_FILE", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // Comment lines become blank ones, which the parser skips: its line numbers stay right.
  const { vars, problems } = parseEnvFile(text.replace(/^[ \t]*#.*$/gm, ""));
  if (problems.length > 0) throw new ConfigError("RUNNER_ENV_FILE", `${file} ${problems[0]}`);
  for (const name of vars.keys()) {
    if (CREDENTIALS.has(name)) {
      throw new ConfigError("RUNNER_ENV_FILE", `${file} sets ${name}: runner containers get a JIT config from the controller and never a credential`);
    }
  }
  return Object.fromEntries(vars);
}

/** Labels in order, the first spelling of each kept: GitHub compares them case-insensitively. */
function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  return labels.filter((l) => !seen.has(l.toLowerCase()) && seen.add(l.toLowerCase()));
}

/**
 * The settings of the single scope (`entry` undefined), or of one
 * REPOS_CONFIG_FILE entry: `config` is then the entry's (see entryConfig),
 * and `entry.controllerId` the one every entry shares.
 */
export function controllerSettings(config: Config, entry?: { id: string; controllerId: string; requiredLabels: readonly string[] }): ControllerSettings {
  const scope = config.scope;
  if (!scope) throw new Error("controllerSettings needs a scope");
  // Stable across restarts and re-created controller containers; distinct per GitHub scope.
  const controllerId = entry?.controllerId ?? config.CONTROLLER_ID ?? hash8(`${config.apiUrl} ${scope.apiPath.toLowerCase()}`);
  return {
    controllerId,
    entryId: entry?.id,
    runnerKey: entry ? hash8(`${controllerId}/${entry.id}`) : controllerId,
    runnerLabels: uniqueLabels([...(config.RUNNER_NO_DEFAULT_LABELS ? [] : defaultLabels()), ...(config.GH_LABELS ?? [])]),
    requiredLabels: entry?.requiredLabels ?? [],
    ...runnerEnvAndSecrets(config.RUNNER_ENV_FILE),
  };
}

/**
 * The id every entry of REPOS_CONFIG_FILE shares: CONTROLLER_ID, else the
 * one kept in DATA_DIR/controller-id (the file's path is no id: compose
 * mounts it at the same place in every project).
 */
export function manyScopesControllerId(config: Config): string {
  return config.CONTROLLER_ID ?? controllerIdFile(config.DATA_DIR, hash8(`repos ${config.REPOS_CONFIG_FILE ?? ""}`));
}
