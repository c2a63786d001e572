import { EXIT_CONFIG } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { runnerName } from "./runner-name.ts";

/** GitHub's own group for runners of a repository, and the default one elsewhere. */
const DEFAULT_RUNNER_GROUP_ID = 1;
const MAX_NAME_ATTEMPTS = 5;

/** Labels config.sh would add by itself, which generate-jitconfig does not. */
export function defaultLabels(arch: string = process.arch): string[] {
  return ["self-hosted", "Linux", arch === "arm64" ? "ARM64" : "X64"];
}

/** RUNNER_GROUP's id (organizations and enterprises), else Default's; an unknown name is a BootError (exit 78). */
export async function runnerGroupId(api: RunnerApi, config: Config, signal: AbortSignal): Promise<number> {
  if (!config.RUNNER_GROUP || config.scope?.kind === "repository") return DEFAULT_RUNNER_GROUP_ID;
  const found = await api.runnerGroupId(config.RUNNER_GROUP, signal);
  if (found === undefined) throw unknownRunnerGroup(config);
  return found;
}

/** RUNNER_GROUP names no group of the scope (found by the API, or by config.sh). */
export function unknownRunnerGroup(config: Config): BootError {
  return new BootError(`RUNNER_GROUP: no runner group named "${config.RUNNER_GROUP}" in ${config.scope?.kind} ${config.scope?.name}`, EXIT_CONFIG);
}

/** When registerJit gives up, and what it tells of a registration GitHub may have made unanswered. */
export interface JitStops {
  /** The stop: no further attempt; the request in flight is still answered (its answer names the registration). */
  readonly stopping: AbortSignal;
  /** The stop cannot wait (a second signal): the request in flight is abandoned. */
  readonly escalated: AbortSignal;
  /** Told the name asked for when the stop ended the request: GitHub may have registered a runner it never answered about. */
  readonly unanswered: (name: string) => void;
}

/** Registers through `generate-jitconfig`, a taken name (409) retried with a new random one; returns what run.sh needs. */
export async function registerJit(
  api: RunnerApi,
  config: Config,
  firstName: string,
  log: Logger,
  stops: JitStops,
): Promise<{ name: string; id: number; encodedJitConfig: string }> {
  const groupId = await runnerGroupId(api, config, stops.stopping);
  const labels = [...(config.RUNNER_NO_DEFAULT_LABELS ? [] : defaultLabels()), ...(config.GH_LABELS ?? [])];
  let name = firstName;
  const replaced = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const asked = name;
    const res = await api.generateJitConfig({ name, labels, runnerGroupId: groupId, workFolder: config.WORK_DIR }, stops.stopping, stops.escalated).catch((e: unknown) => {
      // Given up at the stop (abandoned, or timed out and not retried): GitHub carries out a request whose client
      // left, so the runner may be registered all the same. Otherwise GitHub answered: nothing was registered.
      if (stops.stopping.aborted) stops.unanswered(asked);
      throw e;
    });
    if (res !== "taken") {
      log.info(`registered JIT runner ${name} (id ${res.id}) for ${config.scope?.url}`);
      return { name, ...res };
    }
    // Taken by a registration of this name that is offline: this runner's own, left by a start that was killed
    // before its deregistration (or registered by an attempt whose answer was lost). Replaced, as config.sh
    // --replace replaces; one online is another runner's.
    if (!replaced.has(name) && (await replaceOffline(api, name, log, stops.stopping))) {
      replaced.add(name);
      continue;
    }
    if (attempt >= MAX_NAME_ATTEMPTS || config.RUNNER_NAME) {
      throw new BootError(`generate-jitconfig: the runner name ${name} is taken (409)${config.RUNNER_NAME ? " by a runner online; RUNNER_NAME must be unique" : ""}`);
    }
    const next = runnerName(undefined, config.RUNNER_NAME_PREFIX, true);
    log.warn(`runner name ${name} is taken (409); trying ${next}`);
    name = next;
  }
}

/** Removes the registrations named `name` when every one is offline; false when there is none, or one is online. */
async function replaceOffline(api: RunnerApi, name: string, log: Logger, signal: AbortSignal): Promise<boolean> {
  const found = await api.findByName(name, signal);
  if (found.length === 0 || found.some((r) => r.status === "online")) return false;
  for (const r of found) {
    log.warn(`runner name ${name} is taken (409) by an offline registration (id ${r.id}), left by an earlier start: replacing it`);
    await api.delete(r.id, signal);
  }
  return true;
}
