import { every, failureLog } from "../lifecycle/every.ts";
import type { Phase } from "../lifecycle/phase.ts";
import { createImdsClient } from "./imds-client.ts";

/** Reference image: every 2 s; AWS gives about two minutes of warning. */
const POLL_MS = 2000;

/**
 * SPOT_WATCH=1: an EC2 spot interruption notice starts the graceful drain as a SIGTERM would, so the running job
 * gets the notice's two minutes. Opt-in, so that nothing probes 169.254.169.254 off AWS.
 */
export function createSpotWatchPhase(): Phase {
  let stopTicks: (() => void) | undefined;
  return {
    name: "spot-watch",
    async start(ctx) {
      const { config, log } = ctx;
      if (!config.SPOT_WATCH) return;
      const imds = createImdsClient(config.AWS_EC2_METADATA_SERVICE_ENDPOINT);
      const failures = failureLog(log, `spot watch: cannot read the spot notice from ${config.AWS_EC2_METADATA_SERVICE_ENDPOINT}`);
      log.info(`spot watch: polling ${config.AWS_EC2_METADATA_SERVICE_ENDPOINT} every ${POLL_MS / 1000} s for an interruption notice`);
      stopTicks = every(
        POLL_MS,
        async () => {
          const notice = await imds.get("meta-data/spot/instance-action");
          failures.ok();
          if (notice !== undefined && !ctx.stopping.aborted) {
            log.warn(`spot interruption notice: ${notice.trim()}; draining (no new job, the running one may finish)`);
            ctx.requestStop({ kind: "signal", signal: "SIGTERM" });
          }
        },
        failures.failed,
        { now: true },
      );
    },
    stop: async () => stopTicks?.(),
  };
}
