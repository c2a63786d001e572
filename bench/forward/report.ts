/** What the bench measures for one tool. */
export interface Metrics {
  /** iperf3, Gbit/s received. */
  tcp1: number;
  tcp4: number;
  /** 64-byte request/response round trip on one connection, microseconds. */
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

export type Results = Map<string, Partial<Metrics>>;

interface Row {
  readonly key: keyof Metrics;
  readonly label: string;
  readonly format: (v: number) => string;
  /** Goal for ci-runner / reference, and whether higher is better. */
  readonly goal?: { readonly ratio: number; readonly higher: boolean; readonly against: string };
}

const f = (digits: number) => (v: number) => v.toFixed(digits);
const rows: Row[] = [
  { key: "tcp1", label: "TCP bulk, 1 stream (Gbit/s)", format: f(2), goal: { ratio: 0.8, higher: true, against: "haproxy" } },
  { key: "tcp4", label: "TCP bulk, 4 streams (Gbit/s)", format: f(2), goal: { ratio: 0.8, higher: true, against: "haproxy" } },
  { key: "p50", label: "round trip p50 (us)", format: f(1) },
  { key: "p99", label: "round trip p99 (us)", format: f(1), goal: { ratio: 1.15, higher: false, against: "haproxy" } },
  { key: "conns", label: "new connections/s", format: f(0), goal: { ratio: 0.8, higher: true, against: "haproxy" } },
  { key: "connUserUs", label: "  CPU/connection, user (us)", format: f(1) },
  { key: "connSystemUs", label: "  CPU/connection, kernel (us)", format: f(1) },
  { key: "udpDelivered", label: "UDP delivered (datagrams/s)", format: f(0), goal: { ratio: 1.0, higher: true, against: "rinetd" } },
  { key: "udpLoss", label: "UDP loss (%)", format: (v) => (v * 100).toFixed(2) },
  { key: "rssIdle", label: "RSS idle (MiB)", format: f(1) },
  { key: "rssLoad", label: "RSS under load, peak (MiB)", format: f(1) },
];

export interface RunInfo {
  readonly cpus: number;
  readonly node: string;
  readonly udpRate: number;
  readonly rounds: number;
  readonly seconds: number;
  /** 1-minute load averages before and after: other work on the machine skews everything. */
  readonly load: readonly [number, number];
}

/** The table (one column per tool), then ci-runner's ratios with the goals. */
export function printReport(results: Results, info: RunInfo): void {
  const names = [...results.keys()];
  const cell = (s: string) => s.padStart(11);
  const out = (s: string) => process.stdout.write(s + "\n");
  out("");
  out(`forward benchmark: loopback, ${info.cpus} CPUs, node ${info.node}, ${info.rounds} interleaved rounds (mean; round trips pooled), UDP offered at ${info.udpRate}/s, ${info.seconds.toFixed(0)} s, load average ${info.load[0].toFixed(1)} -> ${info.load[1].toFixed(1)}`);
  out(`${"".padEnd(30)}${names.map(cell).join("")}`);
  for (const row of rows) {
    const values = names.map((n) => {
      const v = results.get(n)?.[row.key];
      return cell(v === undefined ? "-" : row.format(v));
    });
    out(`${row.label.padEnd(30)}${values.join("")}`);
  }
  out("");
  const ours = results.get("ci-runner") ?? {};
  const ratioTo = (ref: string, key: keyof Metrics): number | undefined => {
    const a = ours[key];
    const b = results.get(ref)?.[key];
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  };
  for (const ref of ["haproxy", "rinetd", "socat"]) {
    if (!results.has(ref)) continue;
    const parts = rows
      .filter((r) => ["tcp1", "tcp4", "p50", "p99", "conns", "udpDelivered"].includes(r.key))
      .map((r) => [r, ratioTo(ref, r.key)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([r, v]) => `${r.key} ${v!.toFixed(2)}x`);
    out(`ci-runner / ${ref}: ${parts.join(", ")}`);
  }
  out("");
  for (const row of rows.filter((r) => r.goal)) {
    const g = row.goal!;
    const v = ratioTo(g.against, row.key);
    if (v === undefined) {
      out(`goal ${row.label}: no ${g.against} result`);
      continue;
    }
    const met = g.higher ? v >= g.ratio : v <= g.ratio;
    out(`goal ${row.label} vs ${g.against}: ${v.toFixed(2)}x (${g.higher ? ">=" : "<="} ${g.ratio}) ${met ? "met" : "MISSED"}`);
  }
  const loss = ours.udpLoss;
  const refLoss = results.get("rinetd")?.udpLoss;
  if (loss !== undefined && refLoss !== undefined) {
    out(`goal UDP loss no more than rinetd: ${(loss * 100).toFixed(2)}% vs ${(refLoss * 100).toFixed(2)}% ${loss <= refLoss ? "met" : "MISSED"}`);
  }
}
