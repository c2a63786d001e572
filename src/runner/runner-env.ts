import { configNames } from "../config/config-names.ts";
import type { Config } from "../config/load-config.ts";
import { childEnv } from "../process/child-env.ts";

let hidden: Set<string> | undefined;

/**
 * The environment of config.sh and run.sh: the runner user's (no secrets,
 * hooks' exports) plus `extra`; with HIDE_CONFIG_FROM_JOBS, without
 * ci-runner's own settings either. config.sh refuses root without
 * RUNNER_ALLOW_RUNASROOT, which RUNNER_USER=root therefore gets.
 */
export function runnerEnv(config: Config, exported: ReadonlyMap<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const env = childEnv(config.runnerUser, exported);
  if (config.HIDE_CONFIG_FROM_JOBS) {
    hidden ??= configNames();
    for (const name of hidden) delete env[name];
  }
  Object.assign(env, extra);
  if (config.runnerUser.uid === 0) env.RUNNER_ALLOW_RUNASROOT = "1";
  return env;
}
