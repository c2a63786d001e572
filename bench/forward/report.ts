import { quantile } from "./load-tcp.ts";

/** What the bench measures for one tool, one value per burst (the RSS figures: one value). */
export interface Metrics {
  /** iperf3, Gbit/s received. */
  tcp1: number;
  tcp4: number;
  /** 64-byte request/response round trip on one connection, microseconds (per burst: that burst's quantile). */
  p50: number;
  p99: number;
  /** connect + one 16-byte round trip + close, per second, 8 concurrent clients. */
  conns: number;
  /** The forwarder's CPU time per new connection, user and kernel, microseconds (socat: its listener only, not the forks). */
  connUserUs: number;
  connSystemUs: number;
  /** Datagrams per second that reached the server at the offered rate, and the fraction lost. */
  udpDelivered: number;
  udpLoss: number;
  /** RSS of the forwarder's process(es), MiB: after start, and the peak under load. */
  rssIdle: number;
  rssLoad: number;
}

/** Per tool, per metric: the value of each burst, in round order (round i of every tool ran seconds apart). */
export type Results = Map<string, Partial<Record<keyof Metrics, number[]>>>;

interface Goal {
  /** ci-runner / reference, or an absolute bound when `against` is undefined. */
  readonly ratio: number;
  readonly higher: boolean;
  readonly against?: string;
}

interface Row {
  readonly key: keyof Metrics;
  readonly label: string;
  readonly format: (v: number) => string;
  readonly goal?: Goal;
}

const f = (digits: number) => (v: number) => v.toFixed(digits);
const rows: Row[] = [
  { key: "tcp1", label: "TCP bulk, 1 stream (Gbit/s)", format: f(2), goal: { ratio: 1.0, higher: true, against: "haproxy" } },
  { key: "tcp4", label: "TCP bulk, 4 streams (Gbit/s)", format: f(2), goal: { ratio: 1.0, higher: true, against: "haproxy" } },
  { key: "p50", label: "round trip p50 (us)", format: f(1) },
  { key: "p99", label: "round trip p99 (us)", format: f(1), goal: { ratio: 1.15, higher: false, against: "haproxy" } },
  { key: "conns", label: "new connections/s", format: f(0), goal: { ratio: 0.8, higher: true, against: "haproxy" } },
  { key: "connUserUs", label: "  CPU/connection, user (us)", format: f(1) },
  { key: "connSystemUs", label: "  CPU/connection, kernel (us)", format: f(1) },
  { key: "udpDelivered", label: "UDP delivered (datagrams/s)", format: f(0), goal: { ratio: 1.0, higher: true, against: "rinetd" } },
  { key: "udpLoss", label: "UDP loss (%)", format: (v) => (v * 100).toFixed(2), goal: { ratio: 1.0, higher: false, against: "rinetd" } },
  { key: "rssIdle", label: "RSS idle (MiB)", format: f(1) },
  { key: "rssLoad", label: "RSS under load, peak (MiB)", format: f(1), goal: { ratio: 64, higher: false } },
];

export const median = (xs: readonly number[]): number | undefined => (xs.length ? quantile(xs, 0.5) : undefined);

/** "median ±half-range%" of the bursts: the spread says how far one run can be trusted. */
function cell(xs: readonly number[] | undefined, format: (v: number) => string): string {
  const m = xs && median(xs);
  if (!xs || m === undefined) return "-";
  if (xs.length < 2 || m === 0) return format(m);
  const spread = ((Math.max(...xs) - Math.min(...xs)) / 2 / Math.abs(m)) * 100;
  return `${format(m)} ±${spread.toFixed(0)}%`;
}

/**
 * ci-runner over `ref` per round (the two ran seconds apart, under the same
 * load from the rest of the machine): the median of those ratios and their
 * range. Loss: the median loss of each, compared as values (a ratio of two
 * losses near zero means nothing).
 */
export function pairedRatio(
  results: Results,
  ref: string,
  key: keyof Metrics,
  ours = "ci-runner",
): { median: number; min: number; max: number; each: number[] } | undefined {
  const a = results.get(ours)?.[key];
  const b = results.get(ref)?.[key];
  if (!a || !b) return undefined;
  const ratios = a.map((v, i) => v / (b[i] ?? NaN)).filter((r) => Number.isFinite(r));
  const m = median(ratios);
  return m === undefined ? undefined : { median: m, min: Math.min(...ratios), max: Math.max(...ratios), each: ratios };
}

export interface RunInfo {
  readonly cpus: number;
  readonly node: string;
  readonly udpRate: number;
  readonly rounds: number;
  readonly seconds: number;
  /** 1-minute load averages before and after: other work on the machine skews everything. */
  readonly load: readonly [number, number];
}

const out = (s: string): void => void process.stdout.write(s + "\n");

/** The table (one column per tool, median ±spread of the bursts), then ci-runner's ratios and the goals. */
export function printReport(results: Results, info: RunInfo): void {
  const names = [...results.keys()];
  const width = 16;
  out("");
  out(
    `forward benchmark: loopback, ${info.cpus} CPUs, node ${info.node}, ${info.rounds} interleaved rounds, UDP offered at ${info.udpRate}/s, ` +
      `${info.seconds.toFixed(0)} s, load average ${info.load[0].toFixed(1)} -> ${info.load[1].toFixed(1)}`,
  );
  out("each cell: median of the bursts ±half their range, as % of the median");
  out(`${"".padEnd(30)}${names.map((n) => n.padStart(width)).join("")}`);
  for (const row of rows) {
    out(`${row.label.padEnd(30)}${names.map((n) => cell(results.get(n)?.[row.key], row.format).padStart(width)).join("")}`);
  }
  out("");
  const oursNames = names.filter((n) => n.startsWith("ci-runner"));
  for (const ours of oursNames) {
    for (const ref of ["haproxy", "rinetd", "socat"]) {
      if (!results.has(ref)) continue;
      const parts = (["tcp1", "tcp4", "p50", "p99", "conns", "udpDelivered"] as const).flatMap((key) => {
        const r = pairedRatio(results, ref, key, ours);
        return r ? [`${key} ${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`] : [];
      });
      out(`${ours} / ${ref}, median of the per-round ratios (range): ${parts.join(", ")}`);
    }
  }
  for (const ours of oursNames) {
    out("");
    for (const row of rows.filter((r) => r.goal)) printGoal(results, row, row.goal!, ours);
  }
}

function printGoal(results: Results, row: Row, g: Goal, oursName: string): void {
  const ours = median(results.get(oursName)?.[row.key] ?? []);
  const tag = oursName === "ci-runner" ? "" : ` (${oursName})`;
  const verdict = (met: boolean) => (met ? "met" : "MISSED");
  if (g.against === undefined) {
    if (ours === undefined) return out(`goal ${row.label}${tag}: no result`);
    return out(`goal ${row.label}${tag}: ${row.format(ours)} (${g.higher ? ">=" : "<="} ${g.ratio}) ${verdict(g.higher ? ours >= g.ratio : ours <= g.ratio)}`);
  }
  const theirs = median(results.get(g.against)?.[row.key] ?? []);
  if (ours === undefined || theirs === undefined) return out(`goal ${row.label}${tag}: no ${g.against} result`);
  if (row.key === "udpLoss") {
    return out(`goal ${row.label}${tag} no more than ${g.against}: ${row.format(ours)}% vs ${row.format(theirs)}% (medians) ${verdict(ours <= theirs)}`);
  }
  const r = pairedRatio(results, g.against, row.key, oursName)!;
  const met = g.higher ? r.median >= g.ratio : r.median <= g.ratio;
  const each = r.each.map((x) => x.toFixed(2)).join(" ");
  out(`goal ${row.label}${tag} vs ${g.against}: ${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)}) (${g.higher ? ">=" : "<="} ${g.ratio}) ${verdict(met)}; each round: ${each}`);
}
