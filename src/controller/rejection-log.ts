import type { Logger } from "../log/logger.ts";

/** At most one line per kind of rejection this often: a flood of bad deliveries must not flood the log. */
const WINDOW_MS = 10_000;

/**
 * Logs a rejected delivery (bad signature, malformed, too large): the first
 * of each kind at once, the rest of its window as one count in the next line.
 */
export function rejectionLog(log: Logger, now: () => number = Date.now): (kind: string, detail: string) => void {
  const windows = new Map<string, { until: number; suppressed: number }>();
  return (kind, detail) => {
    const t = now();
    const w = windows.get(kind);
    if (w && t < w.until) {
      w.suppressed++;
      return;
    }
    const more = w && w.suppressed > 0 ? ` (and ${w.suppressed} more ${kind} since the last line)` : "";
    windows.set(kind, { until: t + WINDOW_MS, suppressed: 0 });
    log.warn(`webhook delivery refused (${kind}): ${detail}${more}`);
  };
}
