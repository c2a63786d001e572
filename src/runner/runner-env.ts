import { ALIASES } from "../config/alias-table.ts";
import type { Config } from "../config/load-config.ts";
import { OTHER_IMAGES } from "../config/other-images.ts";
import { VARS } from "../config/vars.ts";
import { childEnv } from "../process/child-env.ts";

/** Standard names that jobs and the tools in them read for themselves: never hidden from jobs. */
const SHARED = new Set(["TZ", "AWS_REGION", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_ENDPOINT_URL_CLOUDWATCH"]);

/** Every name that configures ci-runner but the shared ones: what HIDE_CONFIG_FROM_JOBS keeps from jobs. */
let hidden: Set<string> | undefined;

/**
 * The environment of config.sh and run.sh: the runner user's plus `extra`. config.sh refuses root without
 * RUNNER_ALLOW_RUNASROOT, which RUNNER_USER=root therefore gets.
 */
export function runnerEnv(config: Config, exported: ReadonlyMap<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const env = childEnv(config.runnerUser, exported);
  if (config.HIDE_CONFIG_FROM_JOBS) {
    hidden ??= new Set([...Object.keys(VARS).filter((n) => !SHARED.has(n)), ...ALIASES.map((a) => a.name), ...OTHER_IMAGES.flatMap((i) => i.vars)]);
    for (const name of hidden) delete env[name];
  }
  Object.assign(env, extra);
  if (config.runnerUser.uid === 0) env.RUNNER_ALLOW_RUNASROOT = "1";
  return env;
}
