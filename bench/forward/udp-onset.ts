import { median } from "./report.ts";
import type { Peer } from "./peers.ts";
import { iperf3Udp } from "./throughput.ts";

/** Loss above this counts as "losing": a few stray datagrams at the end of a burst do not. */
export const LOSING = 0.005;

/**
 * UDP loss of each tool at rising offered rates, interleaved (at each rate
 * every tool in turn, `rounds` times, order rotated): prints the median loss
 * per rate and the lowest rate at which each tool loses more than LOSING.
 * iperf3 paces its sends; "sent/s" says whether the client reached the rate.
 */
export async function udpOnset(peers: readonly Peer[], rates: readonly number[], rounds: number, seconds: number, size: number): Promise<void> {
  const udp = peers.filter((p) => p.udp);
  const loss = new Map(udp.map((p) => [p.name, rates.map(() => [] as number[])]));
  const sentPerS = rates.map(() => [] as number[]);
  for (const [ri, rate] of rates.entries()) {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < udp.length; i++) {
        const { name, host, ports } = udp[(i + round) % udp.length]!;
        const r = await iperf3Udp(host, ports.udp, seconds, rate, size);
        if (!r.sent) continue;
        loss.get(name)![ri]!.push(Math.max(0, 1 - r.got / r.sent));
        sentPerS[ri]!.push(r.sent / seconds);
      }
    }
  }
  const out = (s: string) => process.stdout.write(s + "\n");
  // Wide enough for the longest tool name ("ci-runner r/w") and a space.
  const width = Math.max(12, ...udp.map((p) => p.name.length + 2));
  out("");
  out(`UDP loss by offered rate (${size}-byte datagrams, ${seconds} s bursts, median of ${rounds} interleaved rounds)`);
  out(`${"offered/s".padEnd(12)}${"sent/s".padStart(width)}${udp.map((p) => p.name.padStart(width)).join("")}`);
  for (const [ri, rate] of rates.entries()) {
    const cells = udp.map((p) => {
      const m = median(loss.get(p.name)![ri]!);
      return (m === undefined ? "-" : `${(m * 100).toFixed(2)}%`).padStart(width);
    });
    out(`${String(rate).padEnd(12)}${(median(sentPerS[ri]!)?.toFixed(0) ?? "-").padStart(width)}${cells.join("")}`);
  }
  for (const p of udp) {
    const at = rates.find((_, ri) => (median(loss.get(p.name)![ri]!) ?? 0) > LOSING);
    out(`${p.name}: ${at === undefined ? `no loss above ${LOSING * 100}% up to ${rates.at(-1)}/s` : `loses more than ${LOSING * 100}% from ${at}/s`}`);
  }
}
