import { readFileSync, realpathSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { loadavg } from "node:os";
import type { Phase } from "../lifecycle/phase.ts";
import { runProcess } from "../process/start-process.ts";
import { formatSize } from "../warmstart/format-size.ts";

/** The mount a path lives on, from /proc/self/mountinfo. */
export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
}

/** Parses mountinfo lines: `id parent major:minor root mountpoint options [optional...] - fstype source super-options`. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    if (dash < 6 || mountPoint === undefined || fsType === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal (\040).
    entries.push({ mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))), fsType });
  }
  return entries;
}

/** The mount holding `path` (resolved): the longest mount point containing it, the last listed of stacked ones. */
export function mountOf(path: string, entries: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    const contains = e.mountPoint === "/" || path === e.mountPoint || path.startsWith(e.mountPoint + "/");
    if (contains && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}

/** The mount of `path` in this process's mount namespace; undefined when it cannot be told. */
function mountOfPath(path: string): MountEntry | undefined {
  try {
    return mountOf(realpathSync(path), parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8")));
  } catch {
    return undefined;
  }
}

/** What `du` found: the bytes under the directory, or why there is no number. */
type DuResult = { bytes: number } | { failure: string };

/** `nice -n 19 du -skx dir`, at the lowest CPU priority; killed after `timeoutMs` (a huge tree) or when `signal` aborts. */
async function measureDu(dir: string, timeoutMs: number, signal?: AbortSignal): Promise<DuResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const cancelSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
  // du holds nothing worth a graceful stop.
  const run = await runProcess("nice", ["-n", "19", "du", "-skx", dir], { cancelSignal, killSignal: "SIGKILL" });
  // du exits 1 when some entries were unreadable but still prints the total.
  const kb = /^(\d+)\s/.exec(run.stdout)?.[1];
  if (timeout.aborted) return { failure: `du took over ${Math.round(timeoutMs / 1000)} s` };
  if (kb !== undefined) return { bytes: Number(kb) * 1024 };
  return { failure: `du exited with code ${run.code}` };
}

/** What the report reads; tests replace parts. */
export interface ReportSources {
  mountOf(path: string): MountEntry | undefined;
  statfs(path: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>;
  du(dir: string, timeoutMs: number, signal?: AbortSignal): Promise<DuResult>;
  loadavg(): number[];
}

const SYSTEM: ReportSources = { mountOf: mountOfPath, statfs: (p) => statfs(p), du: measureDu, loadavg };

/**
 * One line about the work dir: its filesystem, used and total space (as df counts them), its own size unless on
 * a tmpfs (there used space already is the work dir; du would only cost), and the load average.
 */
export async function workDirReport(
  dir: string,
  duTimeoutMs: number,
  signal?: AbortSignal,
  sources: ReportSources = SYSTEM,
): Promise<string> {
  const fsType = sources.mountOf(dir)?.fsType ?? "unknown filesystem";
  const parts: string[] = [];
  try {
    const s = await sources.statfs(dir);
    const used = (s.blocks - s.bfree) * s.bsize;
    const avail = s.bavail * s.bsize;
    const pct = used + avail > 0 ? Math.ceil((100 * used) / (used + avail)) : 0;
    parts.push(`${fsType}, ${formatSize(used)} used of ${formatSize(s.blocks * s.bsize)} (${pct}%)`);
  } catch (e) {
    parts.push(`${fsType}, space unknown (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (fsType !== "tmpfs") {
    const du = await sources.du(dir, duTimeoutMs, signal);
    parts.push("bytes" in du ? `work dir holds ${formatSize(du.bytes)}` : `work dir size unknown (${du.failure})`);
  }
  parts.push(`load average ${sources.loadavg().map((n) => n.toFixed(2)).join(" ")}`);
  return `work dir ${dir}: ${parts.join(", ")}`;
}

/**
 * With TZ set, as the original image did: the work dir report every WORKDIR_REPORT_INTERVAL_SEC. The next is
 * scheduled once the previous one is logged, and its du is bounded by the interval: reports never overlap.
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
