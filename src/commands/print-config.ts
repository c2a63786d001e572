import { loadConfig, type Config, type Env } from "../config/load-config.ts";
import { VARS, type VarName } from "../config/vars.ts";

function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(" ");
  if (typeof value === "object" && value !== null && "spec" in value) return String(value.spec);
  return String(value);
}

/** `ci-runner config`: the effective configuration, secrets masked. Throws ConfigError (exit 78). */
export function printConfig(env: Env, out: (line: string) => void): void {
  const config = loadConfig(env);
  for (const w of config.warnings) out(`# warning: ${w}`);
  describeConfig(config, out);
}

/** The lines of `ci-runner config` for a loaded config (also CI_RUNNER_DRY_RUN and CI_RUNNER_PRINT_CONFIG). */
export function describeConfig(config: Config, out: (line: string) => void): void {
  const derived: Partial<Record<VarName, string>> = { RUNNER_DIR: config.runnerDir, GUEST_HOOKS_DIR: config.guestHooksDir };
  for (const name of Object.keys(VARS) as VarName[]) {
    const spec = VARS[name];
    const value = config[name];
    let shown: string;
    if ("secret" in spec && spec.secret) {
      shown = value === undefined ? "(unset)" : config.secretFiles.includes(name) ? "*** (from secret file)" : "*** (from environment)";
    } else {
      shown = value === undefined && derived[name] !== undefined ? `${derived[name]} (default)` : show(value);
    }
    out(`${name}=${shown}`);
  }
  out(`# GitHub API: ${config.apiUrl}`);
  out(`# scope: ${config.scope ? `${config.scope.kind} ${config.scope.name} (${config.scope.url})` : "none (pre-issued JIT config)"}`);
  out(`# credential: ${config.credentials?.variable ?? "none"}; mode: ${config.RUNNER_JIT ? "JIT" : config.credentials?.kind === "jit" ? "pre-issued JIT" : config.RUNNER_EPHEMERAL ? "ephemeral" : "persistent"}`);
  if (config.credentials?.kind !== "jit" && !config.RUNNER_JIT) {
    const kept = config.RUNNER_REGISTRATION_DIR ? `kept in ${config.RUNNER_REGISTRATION_DIR} and resumed by the next start` : "made at every start";
    out(`# registration: ${kept}; at a stop: ${config.RUNNER_KEEP_REGISTRATION ? "left on GitHub" : "deregistered"}`);
  }
  out(`# runner user: ${config.runnerUser.name} (uid ${config.runnerUser.uid}), runner dir: ${config.runnerDir}, guest hooks: ${config.guestHooksDir}`);
}
