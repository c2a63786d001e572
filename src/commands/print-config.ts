import { loadConfig, type Env } from "../config/load-config.ts";
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
  for (const name of Object.keys(VARS) as VarName[]) {
    const spec = VARS[name];
    const value = config[name];
    let shown: string;
    if ("secret" in spec && spec.secret) {
      shown = value === undefined ? "(unset)" : config.secretFiles.includes(name) ? "*** (from secret file)" : "*** (from environment)";
    } else if (value === undefined && name === "RUNNER_DIR") {
      shown = `${config.runnerDir} (default)`;
    } else if (value === undefined && name === "GUEST_HOOKS_DIR") {
      shown = `${config.guestHooksDir} (default)`;
    } else {
      shown = show(value);
    }
    out(`${name}=${shown}`);
  }
  out(`# GitHub API: ${config.apiUrl}`);
  out(`# scope: ${config.scope ? `${config.scope.kind} ${config.scope.name} (${config.scope.url})` : "none (pre-issued JIT config)"}`);
  out(`# credential: ${config.credentials?.variable ?? "none"}; mode: ${config.RUNNER_JIT ? "JIT" : config.credentials?.kind === "jit" ? "pre-issued JIT" : config.RUNNER_EPHEMERAL ? "ephemeral" : "persistent"}`);
  out(`# runner user: ${config.runnerUser.name} (uid ${config.runnerUser.uid}), runner dir: ${config.runnerDir}, guest hooks: ${config.guestHooksDir}`);
}
