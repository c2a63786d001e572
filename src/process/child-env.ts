import type { UserInfo } from "../config/lookup-user.ts";
import { namesKeptFromChildren } from "../config/aliases.ts";

/** Names that never reach a hook, the runner or a job: every secret or hidden variable and alias. */
export const SECRET_ENV_NAMES: ReadonlySet<string> = namesKeptFromChildren();

/** The environment of a process run as `user`: ours without secrets, the hooks' exports, and what a login sets. */
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
  Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: user.shell });
  env.PATH ||= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return env;
}
