import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ALIASES } from "../config/alias-table.ts";
import { ConfigError } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { parseEnvFile } from "../hooks/parse-env-file.ts";
import { defaultLabels } from "../runner/register-jit.ts";

/** What the controller derives from its Config, checked before anything starts. */
export interface ControllerSettings {
  /** On every container's labels and in every runner's name: what this controller owns. */
  readonly controllerId: string;
  /** What its runners are registered with, and what a job's labels must be a subset of. */
  readonly runnerLabels: readonly string[];
  /** RUNNER_ENV_FILE's variables, for every runner container. */
  readonly runnerEnv: Readonly<Record<string, string>>;
}

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

export function controllerSettings(config: Config): ControllerSettings {
  const scope = config.scope;
  if (!scope) throw new Error("controllerSettings needs a scope");
  // Stable across restarts and re-created controller containers; distinct per GitHub scope.
  const controllerId = config.CONTROLLER_ID ?? createHash("sha256").update(`${config.apiUrl} ${scope.apiPath.toLowerCase()}`).digest("hex").slice(0, 8);
  return {
    controllerId,
    runnerLabels: [...(config.RUNNER_NO_DEFAULT_LABELS ? [] : defaultLabels()), ...(config.GH_LABELS ?? [])],
    runnerEnv: config.RUNNER_ENV_FILE === undefined ? {} : readRunnerEnv(config.RUNNER_ENV_FILE),
  };
}
