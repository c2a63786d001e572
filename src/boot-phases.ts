import { currentUser } from "./config/current-user.ts";
import { createGitCredentialsPhase } from "./git/git-credentials-phase.ts";
import { createHooksPhase } from "./hooks/hooks-phase.ts";
import type { Phase } from "./lifecycle/phase.ts";
import { createDockerWaitPhase } from "./docker/docker-wait-phase.ts";
import { createGcOfflinePhase } from "./runner/gc-offline-phase.ts";
import { lazyPhase } from "./lifecycle/lazy-phase.ts";
import { createPrepareDirsPhase } from "./lifecycle/prepare-dirs-phase.ts";
import { createRunnerPhase } from "./runner/runner-phase.ts";
import { createTokenPrefetchPhase } from "./runner/token-prefetch-phase.ts";
import { createUptimePhase } from "./cloud/uptime-phase.ts";
import { createWorkdirReportPhase } from "./workdir/workdir-report-phase.ts";
import { createWarmStartPhase } from "./warmstart/warm-start-phase.ts";

/**
 * The entrypoint's lifecycle, in boot order; stops run in reverse. README's
 * "What the supervisor does" lists these names in this order (a test checks).
 * Phases that only some configurations use are loaded when used (lazyPhase).
 */
export function bootPhases(): Phase[] {
  return [
    createPrepareDirsPhase(),
    createWorkdirReportPhase(),
    // Early: a spot notice during a long boot drains too.
    lazyPhase("spot-watch", (c) => c.SPOT_WATCH, async () => (await import("./cloud/spot-watch-phase.ts")).createSpotWatchPhase()),
    createUptimePhase(),
    // Before the hooks: they, and the warm start, may need a forwarded port (CI_STORAGE_HOST=127.0.0.1:10022).
    lazyPhase("forward", (c) => c.FORWARD_PORTS?.length, async () => (await import("./forward/forward-phase.ts")).createForwardPhase()),
    createHooksPhase("root hooks", (ctx) => ctx.config.ROOT_HOOKS_DIR, () => currentUser()),
    // After the root hooks, which may set up the network or install the runner; the request runs meanwhile.
    createTokenPrefetchPhase(),
    // Starts the load in the background; only the runner's start waits for it.
    createWarmStartPhase(),
    lazyPhase("runner-update", (c) => c.RUNNER_UPDATE_AT_BOOT, async () => (await import("./runner-update/runner-update-phase.ts")).createRunnerUpdatePhase()),
    createHooksPhase("guest hooks", (ctx) => ctx.config.guestHooksDir, (ctx) => ctx.config.runnerUser),
    // In the background, after both hooks: a root hook may start the engine or
    // open its socket to guest, and either may export the DOCKER_HOST jobs use.
    createDockerWaitPhase(),
    // In the background; after the guest hooks, which may write ~/.gitconfig themselves.
    createGitCredentialsPhase(),
    createRunnerPhase(),
    createGcOfflinePhase(),
    lazyPhase("metrics", (c) => c.CLOUDWATCH_METRICS, async () => (await import("./cloud/metrics-phase.ts")).createMetricsPhase()),
  ];
}
