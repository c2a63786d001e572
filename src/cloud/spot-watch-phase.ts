import type { Phase } from "../lifecycle/phase.ts";
import { createImdsClient } from "./imds-client.ts";

/** Reference image: every 2 s; AWS gives about two minutes of warning. */
const POLL_MS = 2000;

/**
 * SPOT_WATCH=1: polls the EC2 spot `instance-action` notice (IMDSv2) and,
 * when the instance is scheduled for interruption, starts the graceful
 * drain as a SIGTERM would: no new job, the running one gets the notice's
 * two minutes. Opt-in, so that nothing probes 169.254.169.254 off AWS.
 */
export function createSpotWatchPhase(): Phase {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "spot-watch",
    async start(ctx) {
      const { config, log } = ctx;
      if (!config.SPOT_WATCH) return;
      const imds = createImdsClient(config.AWS_EC2_METADATA_SERVICE_ENDPOINT);
      let failing = false;
      let busy = false;
      const poll = async () => {
        if (busy || ctx.stopping.aborted) return;
        busy = true;
        try {
          const notice = await imds.get("meta-data/spot/instance-action");
          if (failing) log.info(`spot watch: ${config.AWS_EC2_METADATA_SERVICE_ENDPOINT} answers again`);
          failing = false;
          if (notice !== undefined) {
            log.warn(`spot interruption notice: ${notice.trim()}; draining (no new job, the running one may finish)`);
            ctx.requestStop({ kind: "signal", signal: "SIGTERM" });
          }
        } catch (e) {
          // One line when it starts failing, not one per poll.
          if (!failing) log.warn(`spot watch: cannot read the spot notice from ${config.AWS_EC2_METADATA_SERVICE_ENDPOINT}: ${(e as Error).message}`);
          failing = true;
        } finally {
          busy = false;
        }
      };
      timer = setInterval(() => void poll(), POLL_MS);
      timer.unref();
      log.info(`spot watch: polling ${config.AWS_EC2_METADATA_SERVICE_ENDPOINT} every ${POLL_MS / 1000} s for an interruption notice`);
      void poll();
    },
    async stop() {
      if (timer) clearInterval(timer);
    },
  };
}
