import type { Context, Phase } from "../lifecycle/phase.ts";

/** The seed image's uptime metrics, in seconds (undefined until the runner listens). */
export interface Uptime {
  readonly InstanceUptimeSec: number;
  readonly DockerBootSec: number;
  readonly RunnerBootSec: number | undefined;
  readonly RunnerUptimeSec: number | undefined;
}

/** From the host's boot time (BTIME), the supervisor's start and the runner's first "Listening for Jobs". */
export function uptime(btimeSec: number, ctx: Pick<Context, "startedAt" | "runner">, nowMs = Date.now()): Uptime {
  const started = ctx.startedAt.getTime();
  const listening = ctx.runner.listeningSince?.getTime();
  const sec = (ms: number) => Math.max(0, Math.round(ms / 1000));
  return {
    InstanceUptimeSec: sec(nowMs - btimeSec * 1000),
    DockerBootSec: sec(started - btimeSec * 1000),
    RunnerBootSec: listening === undefined ? undefined : sec(listening - started),
    RunnerUptimeSec: listening === undefined ? undefined : sec(nowMs - listening),
  };
}

/**
 * With BTIME (the host's boot time) set, as the original image did: the uptime figures every
 * UPTIME_REPORT_INTERVAL_SEC, as one line and in the state file's "uptime" section (for a metrics agent).
 */
export function createUptimePhase(): Phase {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "uptime",
    async start(ctx) {
      const { config, log, state } = ctx;
      const btime = config.BTIME;
      if (btime === undefined) return;
      timer = setInterval(() => {
        const u = uptime(btime, ctx);
        state.setSection("uptime", u);
        const runner = u.RunnerBootSec === undefined ? "runner not listening yet" : `runner booted in ${u.RunnerBootSec} s, up ${u.RunnerUptimeSec} s`;
        log.info(`uptime: instance ${u.InstanceUptimeSec} s, container started ${u.DockerBootSec} s after the host booted, ${runner}`);
      }, config.UPTIME_REPORT_INTERVAL_SEC * 1000).unref();
    },
    stop: async () => clearInterval(timer),
  };
}
