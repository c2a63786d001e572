import type { Config } from "../config/load-config.ts";
import { childEnv } from "../process/child-env.ts";

/**
 * The environment of config.sh and run.sh: the runner user's (no secrets,
 * hooks' exports) plus `extra`; config.sh refuses root without
 * RUNNER_ALLOW_RUNASROOT, which RUNNER_USER=root therefore gets.
 */
export function runnerEnv(config: Config, exported: ReadonlyMap<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...childEnv(config.runnerUser, exported), ...extra };
  if (config.runnerUser.uid === 0) env.RUNNER_ALLOW_RUNASROOT = "1";
  return env;
}
