import { ConfigError } from "./config-error.ts";

/** Where `ci-runner controller` puts a runner container's JIT config: the supervisor reads its secrets there. */
export const JIT_CONFIG_PATH = "/run/secrets/ACTIONS_RUNNER_INPUT_JITCONFIG";

const NAMED_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * RUNNER_VOLUMES: space-separated `SOURCE:TARGET[:ro|:rw]` (a host path or a
 * named volume, then an absolute path), as Docker's `Binds` takes them. A
 * mount over the JIT config's directory is refused: the controller's file
 * would land in the mounted directory (on the host) instead of the container.
 */
export function parseVolumes(raw: string, name: string): string[] {
  const binds: string[] = [];
  for (const item of raw.split(/\s+/).filter(Boolean)) {
    const [source = "", target = "", mode, ...rest] = item.split(":");
    const sourceOk = source.startsWith("/") || NAMED_VOLUME.test(source);
    if (!sourceOk || !target.startsWith("/") || rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
      throw new ConfigError(name, `expected SOURCE:TARGET[:ro] (a host path or volume name, then an absolute path), got "${item}"`);
    }
    const normalized = target.replace(/\/+$/, "") || "/";
    if (normalized === JIT_CONFIG_PATH || JIT_CONFIG_PATH.startsWith(normalized === "/" ? "/" : `${normalized}/`)) {
      throw new ConfigError(name, `"${item}" would hide ${JIT_CONFIG_PATH}, where each runner gets its JIT config; mount single files under /run/secrets instead`);
    }
    binds.push(item);
  }
  return binds;
}
