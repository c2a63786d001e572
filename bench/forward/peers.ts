import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The ports one peer listens on (127.0.0.1) and forwards to the same port on 127.0.0.2. */
export interface PeerPorts {
  /** iperf3 server, TCP. */
  readonly bulk: number;
  /** Echo server (round trips, new connections). */
  readonly echo: number;
  /** iperf3 server for UDP: forwarded as UDP and as TCP (iperf3's control connection). */
  readonly udp: number;
}

/** A forwarder under test; `pids` are the processes whose RSS is reported. */
export interface Peer {
  readonly name: string;
  /** Where clients connect: 127.0.0.1, or the upstream itself for the direct baseline. */
  readonly host: string;
  readonly ports: PeerPorts;
  readonly udp: boolean;
  readonly pids: number[];
  stop(): void;
}

export function hasTool(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function started(name: string, ports: PeerPorts, udp: boolean, children: ChildProcess[], host = "127.0.0.1"): Peer {
  for (const c of children) c.on("error", (e) => process.stderr.write(`${name}: ${e.message}\n`));
  return {
    name,
    host,
    ports,
    udp,
    pids: children.map((c) => c.pid ?? 0),
    // Each tool runs in a process group of its own (detached): socat's forks go with it.
    stop: () =>
      children.forEach((c) => {
        try {
          if (c.pid) process.kill(-c.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }),
  };
}

const dir = mkdtempSync(join(tmpdir(), "bench-forward-"));

/**
 * haproxy as the original image configured it (entrypoint.09-forward.sh):
 * Debian's defaults with client/server timeouts of one hour, and per port a
 * primary plus a backup with `check inter 10s fall 6 rise 6`. Differences:
 * no chroot/user/stats socket/syslog (runs unprivileged in the foreground),
 * and the resolvers point at 127.0.0.1 instead of resolv.conf (the servers
 * are IP addresses, and a benchmark must not send queries off the machine).
 */
export function startHaproxy(ports: PeerPorts): Peer {
  const listen = [ports.bulk, ports.echo].flatMap((p) => [
    `listen tcp_${p}`,
    `  bind 127.0.0.1:${p}`,
    `  server server0 127.0.0.2:${p} resolvers res resolve-prefer ipv4 check inter 10s fall 6 rise 6`,
    `  server server1 127.0.0.3:${p} resolvers res resolve-prefer ipv4 check inter 10s fall 6 rise 6 backup`,
    `  mode tcp`,
  ]);
  // Debian's haproxy runs one thread per CPU; BENCH_HAPROXY_THREADS=1 compares thread for thread.
  const threads = process.env.BENCH_HAPROXY_THREADS;
  const cfg = [
    "global",
    "  stats timeout 30s",
    ...(threads ? [`  nbthread ${threads}`] : []),
    "defaults",
    "  mode http",
    "  option dontlognull",
    "  timeout connect 5000",
    "  timeout client 3600000",
    "  timeout server 3600000",
    "resolvers res",
    "  nameserver local 127.0.0.1:53",
    "  hold valid 10s",
    ...listen,
    "",
  ].join("\n");
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, cfg);
  return started("haproxy", ports, false, [spawn("haproxy", ["-f", file, "-db"], { stdio: "ignore", detached: true })]);
}

/** rinetd, which the original image used for UDP: one line per port. */
export function startRinetd(ports: PeerPorts): Peer {
  const file = join(dir, "rinetd.conf");
  writeFileSync(
    file,
    [
      `127.0.0.1 ${ports.bulk} 127.0.0.2 ${ports.bulk}`,
      `127.0.0.1 ${ports.echo} 127.0.0.2 ${ports.echo}`,
      `127.0.0.1 ${ports.udp} 127.0.0.2 ${ports.udp}`,
      `127.0.0.1 ${ports.udp}/udp 127.0.0.2 ${ports.udp}/udp`,
      "",
    ].join("\n"),
  );
  return started("rinetd", ports, true, [spawn("rinetd", ["-f", "-c", file], { stdio: "ignore", detached: true })]);
}

/** socat, one process per port, forking a child per TCP connection (or per UDP client). */
export function startSocat(ports: PeerPorts): Peer {
  const tcp = (p: number) => [`TCP4-LISTEN:${p},bind=127.0.0.1,fork,reuseaddr,nodelay,backlog=4096`, `TCP4:127.0.0.2:${p},nodelay`];
  const children = [
    spawn("socat", tcp(ports.bulk), { stdio: "ignore", detached: true }),
    spawn("socat", tcp(ports.echo), { stdio: "ignore", detached: true }),
    spawn("socat", tcp(ports.udp), { stdio: "ignore", detached: true }),
    // -T 10: a UDP fork ends after 10 s of silence instead of waiting forever.
    spawn("socat", ["-T", "10", `UDP4-LISTEN:${ports.udp},bind=127.0.0.1,fork,reuseaddr`, `UDP4:127.0.0.2:${ports.udp}`], { stdio: "ignore", detached: true }),
  ];
  return started("socat", ports, true, children);
}

/**
 * This project's forwarder: the bundle built from test/fixtures/forward/forwarder.ts, in plain node;
 * `threads` > 1 sets FORWARD_THREADS (the tool is then "ci-runner xN"), `userSpace` relays TCP with read and
 * write instead of splice(2) ("ci-runner r/w", the relay before splice).
 */
export function startOurs(ports: PeerPorts, bundle: string, { threads = 1, userSpace = false } = {}): Peer {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, bundle], {
    detached: true,
    env: {
      ...process.env,
      FORWARD_HOST: "127.0.0.2 127.0.0.3",
      FORWARD_PORTS: `${ports.bulk} ${ports.echo} ${ports.udp} ${ports.udp}/udp`,
      FORWARD_THREADS: String(threads),
      TEST_SPLICE_TCP: userSpace ? "0" : "1",
    },
    stdio: ["ignore", process.env.BENCH_OURS_STDOUT ? "inherit" : "ignore", "inherit"],
  });
  return started(`ci-runner${userSpace ? " r/w" : ""}${threads > 1 ? ` x${threads}` : ""}`, ports, true, [child]);
}

/** No forwarder: clients talk to the upstream servers directly. */
export function direct(ports: PeerPorts): Peer {
  return started("direct", ports, true, [], "127.0.0.2");
}
