// npm run bench:forward: this project's forwarder beside haproxy, socat and
// rinetd (and no forwarder at all), on loopback, in one run. Prints each
// metric per tool and as ratios to haproxy (UDP: to rinetd). See README.md.
import { fork } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { freePort } from "../../test/fixtures/forward/net-helpers.ts";
import { connectionRate, quantile, roundTrips } from "./load-tcp.ts";
import { direct, hasTool, startHaproxy, startOurs, startRinetd, startSocat, type Peer, type PeerPorts } from "./peers.ts";
import { printReport, type Metrics, type Results } from "./report.ts";
import { cpuMs, totalRssMiB } from "./proc-stats.ts";
import { iperf3, iperf3Server, iperf3Udp } from "./throughput.ts";

// Each tool is measured in short bursts, interleaved with the others', and the
// bursts are pooled: tools compared with each other ran seconds apart, under
// the same load from the rest of the machine.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Subsets for quick looks: BENCH_TOOLS=ci-runner,haproxy BENCH_TESTS=conn,rr
const ONLY_TOOLS = process.env.BENCH_TOOLS?.split(",");
const TESTS = new Set((process.env.BENCH_TESTS ?? "tcp,rr,conn,udp").split(","));
const UDP_RATE = Number(process.env.BENCH_UDP_RATE ?? 50_000);
const UDP_SIZE = 128;
const BULK_SECONDS = 2;
// Round trips and connections: twice as many bursts, half as long.
const RR_MS = 500;
const CONN_MS = 500;
const UDP_SECONDS = 2;

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bundleOurs(): Promise<string> {
  const outfile = join(root, "node_modules/.cache/bench-forward/forwarder.mjs");
  await build({
    entryPoints: [join(root, "test/fixtures/forward/forwarder.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
  });
  return outfile;
}

async function waitListening(peer: Peer): Promise<boolean> {
  const { connect } = await import("node:net");
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(peer.ports.echo, peer.host, () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

const tools = { haproxy: hasTool("haproxy"), socat: hasTool("socat"), rinetd: hasTool("rinetd"), iperf3: hasTool("iperf3") };
for (const [tool, ok] of Object.entries(tools)) {
  if (!ok) console.log(`${tool}: not installed, skipped (apt-get install ${tool}; see bench/forward/README.md)`);
}

const bundle = await bundleOurs();
const names = ["direct", "ci-runner", "haproxy", "socat", "rinetd"]
  .filter((n) => n === "direct" || n === "ci-runner" || tools[n as keyof typeof tools])
  .filter((n) => !ONLY_TOOLS || ONLY_TOOLS.includes(n));
const ports = new Map<string, PeerPorts>();
for (const name of names) ports.set(name, { bulk: await freePort(), echo: await freePort(), udp: await freePort() });
const all = [...ports.values()];

const upstream = fork(join(here, "upstream.ts"), [], {
  execArgv: ["--import=tsx"],
  env: { ...process.env, UPSTREAM_ECHO_PORTS: all.map((p) => p.echo).join(",") },
});
await new Promise((resolve) => upstream.once("message", resolve));
const stopIperf = tools.iperf3 ? all.flatMap((p) => [iperf3Server("127.0.0.2", p.bulk), iperf3Server("127.0.0.2", p.udp)]) : [];

const starters: Record<string, (p: PeerPorts) => Peer> = {
  direct,
  "ci-runner": (p) => startOurs(p, bundle),
  haproxy: startHaproxy,
  socat: startSocat,
  rinetd: startRinetd,
};
const peers = names.map((n) => starters[n]!(ports.get(n)!));
const results: Results = new Map(peers.map((p) => [p.name, {}]));

try {
  for (const peer of peers) {
    if (!(await waitListening(peer))) console.log(`${peer.name}: not listening after 10 s`);
  }
  await sleep(1000);
  for (const peer of peers) results.get(peer.name)!.rssIdle = totalRssMiB(peer.pids);
  // Warm up (JIT, first buffers): the supervisor forwards for hours, its first second is not the story.
  for (const { host, ports: p } of peers) {
    await roundTrips(host, p.echo, 300);
    await connectionRate(host, p.echo, 300);
    if (tools.iperf3 && TESTS.has("tcp")) await iperf3(host, p.bulk, 1, 1);
  }

  // Pooled over the bursts of each tool.
  const pool = new Map(peers.map((p) => [p.name, { gbit1: [] as number[], gbit4: [] as number[], rtts: [] as number[], conns: 0, connSeconds: 0, connUser: 0, connSystem: 0, sent: 0, got: 0 }]));
  const poolOf = (name: string) => pool.get(name)!;
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  // RSS: the peak of each tool over the whole run.
  const sampler = setInterval(() => {
    for (const peer of peers) {
      const r = results.get(peer.name)!;
      r.rssLoad = Math.max(r.rssLoad ?? 0, totalRssMiB(peer.pids));
    }
  }, 200);

  const tests: [string, number, (peer: Peer) => Promise<void>][] = [
    ["tcp", ROUNDS, async ({ name, host, ports: p }) => void poolOf(name).gbit1.push(await iperf3(host, p.bulk, BULK_SECONDS, 1))],
    ["tcp", ROUNDS, async ({ name, host, ports: p }) => void poolOf(name).gbit4.push(await iperf3(host, p.bulk, BULK_SECONDS, 4))],
    ["rr", 2 * ROUNDS, async ({ name, host, ports: p }) => void poolOf(name).rtts.push(...(await roundTrips(host, p.echo, RR_MS)))],
    [
      "conn",
      2 * ROUNDS,
      async ({ name, host, ports: p, pids }) => {
        const before = cpuMs(pids);
        const r = await connectionRate(host, p.echo, CONN_MS);
        const after = cpuMs(pids);
        const m = poolOf(name);
        m.conns += r.done;
        m.connSeconds += r.seconds;
        m.connUser += after.user - before.user;
        m.connSystem += after.system - before.system;
      },
    ],
    [
      "udp",
      ROUNDS,
      async ({ name, host, ports: p, udp }) => {
        if (!udp) return;
        const r = await iperf3Udp(host, p.udp, UDP_SECONDS, UDP_RATE, UDP_SIZE);
        poolOf(name).sent += r.sent;
        poolOf(name).got += r.got;
      },
    ],
  ];
  for (const [kind, rounds, run] of tests) {
    if (!TESTS.has(kind) || ((kind === "tcp" || kind === "udp") && !tools.iperf3)) continue;
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so that no tool always runs first (or last).
      for (let i = 0; i < peers.length; i++) await run(peers[(i + round) % peers.length]!);
    }
    process.stderr.write(`${kind} done\n`);
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  for (const [name, m] of pool) {
    const r = results.get(name)!;
    const set = (key: keyof Metrics, v: number | undefined) => v !== undefined && !Number.isNaN(v) && (r[key] = v);
    set("tcp1", mean(m.gbit1));
    set("tcp4", mean(m.gbit4));
    if (m.rtts.length) {
      set("p50", quantile(m.rtts, 0.5));
      set("p99", quantile(m.rtts, 0.99));
    }
    if (m.connSeconds) set("conns", m.conns / m.connSeconds);
    if (m.conns && peers.find((p) => p.name === name)?.pids.length) {
      set("connUserUs", (m.connUser * 1000) / m.conns);
      set("connSystemUs", (m.connSystem * 1000) / m.conns);
    }
    if (m.sent) {
      set("udpDelivered", m.got / (ROUNDS * UDP_SECONDS));
      set("udpLoss", Math.max(0, 1 - m.got / m.sent));
    }
  }
  clearInterval(sampler);
  printReport(results, {
    cpus: availableParallelism(),
    node: process.version,
    udpRate: UDP_RATE,
    rounds: ROUNDS,
    seconds: (performance.now() - started) / 1000,
    load: [loadBefore, loadavg()[0] ?? 0],
  });
} finally {
  for (const p of peers) p.stop();
  for (const stop of stopIperf) stop();
  upstream.kill("SIGTERM");
}
