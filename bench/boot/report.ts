import type { Sample } from "./measure-round.ts";

/** Nearest-rank percentile (p = 50 is the median). */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Row {
  readonly title: string;
  readonly unit: string;
  readonly pick: (s: Sample) => number;
  readonly digits: number;
}

const ROWS: readonly Row[] = [
  { title: "spawn -> first line of output", unit: "s", pick: (s) => s.firstLineSec, digits: 3 },
  { title: 'boot: spawn -> "Listening for Jobs"', unit: "s", pick: (s) => s.bootSec, digits: 3 },
  { title: "PID 1 RSS, runner idle", unit: "MiB", pick: (s) => s.pid1RssMiB, digits: 1 },
  { title: "entrypoint tree RSS (all but run.sh's)", unit: "MiB", pick: (s) => s.overheadRssMiB, digits: 1 },
  { title: "entrypoint processes", unit: "", pick: (s) => s.overheadProcs, digits: 0 },
  { title: "runner tree RSS (run.sh and below)", unit: "MiB", pick: (s) => s.runnerRssMiB, digits: 1 },
  { title: "graceful stop: SIGTERM -> exited + deregistered", unit: "s", pick: (s) => s.stopSec, digits: 3 },
];

const pad = (s: string, n: number) => s.padEnd(n);
const padL = (s: string, n: number) => s.padStart(n);

/** The table: median / p90 of each side and the ratio of the medians, ours over theirs. */
export function formatTable(oursLabel: string, ours: readonly Sample[], theirsLabel: string, theirs: readonly Sample[]): string {
  const cell = (xs: number[], r: Row) => `${percentile(xs, 50).toFixed(r.digits)} / ${percentile(xs, 90).toFixed(r.digits)}`;
  const head = [pad(`median / p90 of ${ours.length} rounds`, 48), padL(oursLabel, 18), padL(theirsLabel, 18), padL("ours/bash", 10)];
  const lines = [head.join(" "), "-".repeat(97)];
  for (const r of ROWS) {
    const a = ours.map(r.pick);
    const b = theirs.map(r.pick);
    const ratio = percentile(a, 50) / percentile(b, 50);
    const title = r.unit ? `${r.title} (${r.unit})` : r.title;
    lines.push([pad(title, 48), padL(cell(a, r), 18), padL(cell(b, r), 18), padL(`${ratio.toFixed(2)}x`, 10)].join(" "));
  }
  return lines.join("\n");
}

/** One line per round, for the raw numbers. */
export function formatRound(i: number, label: string, s: Sample): string {
  return `round ${String(i).padStart(2)} ${label.padEnd(9)} first line ${s.firstLineSec.toFixed(3)} s, boot ${s.bootSec.toFixed(3)} s, PID 1 RSS ${s.pid1RssMiB.toFixed(1)} MiB, tree RSS ${s.overheadRssMiB.toFixed(1)} MiB (${s.overheadProcs} procs), runner ${s.runnerRssMiB.toFixed(1)} MiB, stop ${s.stopSec.toFixed(3)} s, exit ${s.exitCode}`;
}
