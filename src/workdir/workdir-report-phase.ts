import type { Phase } from "../lifecycle/phase.ts";
import { workDirReport } from "./work-dir-report.ts";

/**
 * With TZ set (as the original image did), one line every
 * WORKDIR_REPORT_INTERVAL_SEC about the work dir's filesystem, space and the
 * load average. The next report is scheduled only after the previous one is
 * logged, and its du is bounded by the interval: reports never overlap.
 */
export function createWorkdirReportPhase(): Phase {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "workdir-report",
    async start({ config, log }) {
      if (config.TZ === undefined) return;
      const intervalMs = config.WORKDIR_REPORT_INTERVAL_SEC * 1000;
      const schedule = () => {
        timer = setTimeout(() => void tick(), intervalMs).unref();
      };
      const tick = async () => {
        const line = await workDirReport(config.workDir, Math.min(intervalMs, 30_000), stop.signal);
        if (stop.signal.aborted) return;
        log.info(line);
        schedule();
      };
      schedule();
    },
    async stop() {
      stop.abort();
      clearTimeout(timer);
    },
  };
}
