import { ALIASES } from "./alias-table.ts";
import { OTHER_IMAGES } from "./other-images.ts";
import { VARS } from "./vars.ts";

/** Standard names that jobs and the tools in them read for themselves: never hidden from jobs. */
const SHARED = new Set(["TZ", "AWS_REGION", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_ENDPOINT_URL_CLOUDWATCH"]);

/**
 * Every name that configures ci-runner: its own variables but the shared
 * ones, the aliases and the other images' names. HIDE_CONFIG_FROM_JOBS
 * (myoung34's UNSET_CONFIG_VARS) keeps them out of jobs' environments.
 */
export function configNames(): Set<string> {
  return new Set([...Object.keys(VARS).filter((n) => !SHARED.has(n)), ...ALIASES.map((a) => a.name), ...OTHER_IMAGES.flatMap((i) => i.vars)]);
}
