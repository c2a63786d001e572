import type { Config } from "../config/load-config.ts";
import { lazyRunnerApi } from "../github/github-client.ts";
import type { Logger } from "../log/logger.ts";
import type { Context } from "./phase.ts";
import { StateStore } from "./state-store.ts";

/** A fresh Context for one supervisor run (tests build theirs here too, so they share its shape). */
export function createContext(config: Config, log: Logger, state: StateStore, controls: Pick<Context, "stopping" | "escalated" | "requestStop">): Context {
  return {
    config,
    log,
    state,
    // The state file's start, so that its uptime figures and the phases' agree.
    startedAt: new Date(state.get().startedAt),
    github: lazyRunnerApi(config, log, controls.stopping),
    runner: {},
    ...controls,
    exportedEnv: new Map(),
    background: new Map(),
  };
}
