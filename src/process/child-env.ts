import type { UserInfo } from "../config/lookup-user.ts";
import { ALIASES } from "../config/aliases.ts";
import { VARS } from "../config/vars.ts";

/**
 * Names that never reach a hook, the runner or a job: every secret variable
 * of the table, plus the credential names of the seed images (aliases).
 */
export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set([
  ...Object.entries(VARS)
    .filter(([, spec]) => "secret" in spec && spec.secret)
    .map(([name]) => name),
  ...ALIASES.filter((a) => a.secret).map((a) => a.name),
]);

/**
 * The environment of a process run as `user`: the container's environment
 * without secrets, what hooks exported, and the identity variables a login
 * would set (HOME, USER, LOGNAME, SHELL).
 */
export function childEnv(
  user: UserInfo,
  exported: ReadonlyMap<string, string> = new Map(),
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !SECRET_ENV_NAMES.has(k)) env[k] = v;
  }
  for (const [k, v] of exported) {
    if (!SECRET_ENV_NAMES.has(k)) env[k] = v;
  }
  env.HOME = user.home;
  env.USER = user.name;
  env.LOGNAME = user.name;
  env.SHELL = user.shell;
  env.PATH ||= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return env;
}
