// npm run bench:forward: this project's forwarder beside haproxy, socat and
// rinetd (and no forwarder at all), on loopback, in one run. Prints each
// metric per tool and as ratios to haproxy (UDP: to rinetd). See README.md.
import { fork } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { freePort } from "../../test/fixtures/forward/net-helpers.ts";
import { connectionRate, quantile, roundTrips } from "./load-tcp.ts";
import { direct, hasTool, startHaproxy, startOurs, startRinetd, startSocat, type Peer, type PeerPorts } from "./peers.ts";
import { printReport, type Metrics, type Results } from "./report.ts";
import { udpOnset } from "./udp-onset.ts";
import { cpuMs, totalRssMiB } from "./proc-stats.ts";
import { iperf3, iperf3Server, iperf3Udp } from "./throughput.ts";

// Each tool is measured in short bursts, interleaved with the others', and the
// bursts are pooled: tools compared with each other ran seconds apart, under
// the same load from the rest of the machine.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Subsets for quick looks: BENCH_TOOLS=ci-runner,haproxy BENCH_TESTS=conn,rr
const ONLY_TOOLS = process.env.BENCH_TOOLS?.split(",");
const TESTS = new Set((process.env.BENCH_TESTS ?? "tcp,rr,conn,udp,udponset").split(","));
const UDP_RATE = Number(process.env.BENCH_UDP_RATE ?? 50_000);
const UDP_SIZE = 128;
// Where each tool starts losing datagrams: these offered rates, each tool in turn at each.
const UDP_ONSET_RATES = (process.env.BENCH_UDP_ONSET_RATES ?? "25000,50000,75000,100000,150000").split(",").map(Number);
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
  // The relay thread's file and the splice relay's addon, beside the bundle as in dist/ (src/forward/relay-worker.ts,
  // splice-relay.ts; `npm run build` made the addon).
  await build({
    entryPoints: [join(root, "src/forward/relay-thread.ts")],
    outfile: join(dirname(outfile), "ci-runner-relay-thread.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    define: { "import.meta.url": "__ciRunnerUrl" },
    banner: { js: 'const __ciRunnerUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  writeFileSync(join(dirname(outfile), "package.json"), '{ "type": "commonjs" }\n');
  copyFileSync(join(root, "dist/splice-relay.node"), join(dirname(outfile), "splice-relay.node"));
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
// "ci-runner x2": the same forwarder with FORWARD_THREADS=2 (a second relay thread); "ci-runner r/w": TCP relayed
// with read and write, as before splice(2).
const names = ["direct", "ci-runner", "ci-runner r/w", "ci-runner x2", "haproxy", "socat", "rinetd"]
  .filter((n) => n === "direct" || n.startsWith("ci-runner") || tools[n as keyof typeof tools])
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
  "ci-runner r/w": (p) => startOurs(p, bundle, { userSpace: true }),
  "ci-runner x2": (p) => startOurs(p, bundle, { threads: 2 }),
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
  for (const peer of peers) if (peer.pids.length) results.get(peer.name)!.rssIdle = [totalRssMiB(peer.pids)];
  // Warm up (JIT, first buffers): the supervisor forwards for hours, its first second is not the story.
  for (const { host, ports: p } of peers) {
    await roundTrips(host, p.echo, 300);
    await connectionRate(host, p.echo, 300);
    if (tools.iperf3 && TESTS.has("tcp")) await iperf3(host, p.bulk, 1, 1);
  }

  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  // One value per burst and metric, in round order: round i of each tool ran seconds apart.
  const push = (name: string, key: keyof Metrics, v: number) => {
    if (Number.isNaN(v)) return;
    const r = results.get(name)!;
    (r[key] ??= []).push(v);
  };
  // RSS: the peak of each tool over the whole run.
  const peak = new Map(peers.map((p) => [p.name, 0]));
  const sampler = setInterval(() => {
    for (const peer of peers) peak.set(peer.name, Math.max(peak.get(peer.name)!, totalRssMiB(peer.pids)));
  }, 200);

  const tests: [string, number, (peer: Peer) => Promise<void>][] = [
    ["tcp", ROUNDS, async ({ name, host, ports: p }) => push(name, "tcp1", await iperf3(host, p.bulk, BULK_SECONDS, 1))],
    ["tcp", ROUNDS, async ({ name, host, ports: p }) => push(name, "tcp4", await iperf3(host, p.bulk, BULK_SECONDS, 4))],
    [
      "rr",
      2 * ROUNDS,
      async ({ name, host, ports: p }) => {
        const rtts = await roundTrips(host, p.echo, RR_MS);
        push(name, "p50", quantile(rtts, 0.5));
        push(name, "p99", quantile(rtts, 0.99));
      },
    ],
    [
      "conn",
      2 * ROUNDS,
      async ({ name, host, ports: p, pids }) => {
        const before = cpuMs(pids);
        const r = await connectionRate(host, p.echo, CONN_MS);
        const after = cpuMs(pids);
        push(name, "conns", r.done / r.seconds);
        if (!pids.length || !r.done) return;
        push(name, "connUserUs", ((after.user - before.user) * 1000) / r.done);
        push(name, "connSystemUs", ((after.system - before.system) * 1000) / r.done);
      },
    ],
    [
      "udp",
      ROUNDS,
      async ({ name, host, ports: p, udp }) => {
        if (!udp) return;
        const r = await iperf3Udp(host, p.udp, UDP_SECONDS, UDP_RATE, UDP_SIZE);
        if (!r.sent) return;
        push(name, "udpDelivered", r.got / UDP_SECONDS);
        push(name, "udpLoss", Math.max(0, 1 - r.got / r.sent));
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
  for (const peer of peers) if (peer.pids.length) push(peer.name, "rssLoad", peak.get(peer.name)!);
  clearInterval(sampler);
  printReport(results, {
    cpus: availableParallelism(),
    node: process.version,
    udpRate: UDP_RATE,
    rounds: ROUNDS,
    seconds: (performance.now() - started) / 1000,
    load: [loadBefore, loadavg()[0] ?? 0],
  });
  if (TESTS.has("udponset") && tools.iperf3) await udpOnset(peers, UDP_ONSET_RATES, ROUNDS, 1, UDP_SIZE);
} finally {
  for (const p of peers) p.stop();
  for (const stop of stopIperf) stop();
  upstream.kill("SIGTERM");
}
