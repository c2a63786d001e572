import type { ForwardPort } from "../config/parse-forward.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import type { Logger } from "../log/logger.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { formatForwardTable } from "./forward-table.ts";
import { checkServer, startHealthChecks } from "./health-checks.ts";
import { capYoungGeneration } from "./reclaim-read-buffers.ts";
import type { Forwarder, PortStatus } from "./port-status.ts";
import { createHostResolver, type HostResolver } from "./resolve-host.ts";
import { serverName, ServerPool, type Server } from "./server-pool.ts";
import { startTcpForwarder } from "./tcp-forwarder.ts";
import { tcpPath } from "./tcp-path.ts";
import { startUdpForwarder } from "./udp-forwarder.ts";

/** What to forward: FORWARD_HOST and FORWARD_PORTS, parsed. */
export interface ForwardSpec {
  readonly hosts: readonly string[];
  readonly ports: readonly ForwardPort[];
}

/** The running forwarders of all ports. */
export interface Forwarders {
  status(): PortStatus[];
  /** Stops the checks, closes every listener and connection. */
  stop(): Promise<void>;
}

function portLabel(p: ForwardPort): string {
  return p.reversed ? `${p.port}/tcp-backup` : `${p.port}/${p.proto}`;
}

/**
 * Opens every listener, checks every server once (bounded by the connect
 * timeout), logs the boot table and one line per problem (port in use, name
 * that does not resolve, server that does not answer), then keeps checking
 * in the background. Never rejects for a port or server problem: the runner
 * still starts, and jobs that need the port fail loudly on their own.
 */
export async function startForwarders(spec: ForwardSpec, log: Logger, options: ForwardOptions): Promise<Forwarders> {
  capYoungGeneration();
  const resolver = createHostResolver(options.dnsCacheMs, options.lookup);
  const pools: ServerPool[] = [];
  const started: { label: string; forwarder: Forwarder; pool: ServerPool | undefined }[] = [];
  const tcp = tcpPath(options, undefined, log);
  if (tcp.slower !== undefined && spec.ports.some((p) => p.proto === "tcp")) {
    log.warn(`TCP is relayed on net.Sockets, about 3x the user CPU per new connection of Node's own TCP handles, because ${tcp.slower}`);
  }

  await tcp.path.ready?.();
  await Promise.all(
    spec.ports.map(async (p) => {
      const label = portLabel(p);
      const hosts = p.reversed ? [...spec.hosts].reverse() : spec.hosts;
      if (p.proto === "udp") {
        const forwarder = await startUdpForwarder(p.port, hosts[0] ?? "", resolver, options, log);
        started.push({ label, forwarder, pool: undefined });
        return;
      }
      const pool = new ServerPool(label, hosts, p.port, log, options.rise, options.fall);
      pools.push(pool);
      const late = () => log.info(`${label}: listening on ${options.bindAddress}:${p.port} now (it was in use at boot)`);
      started.push({ label, forwarder: await startTcpForwarder(p.port, pool, resolver, options, tcp.path, late), pool });
    }),
  );
  // Promise.all finishes in any order; the table follows FORWARD_PORTS.
  const order = spec.ports.map(portLabel);
  started.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));

  const udpHosts = spec.ports.filter((p) => p.proto === "udp").map((p) => spec.hosts[0] ?? "");
  const pending = await firstChecks(pools, udpHosts, resolver, options, log);
  const unanswered = (pool: ServerPool | undefined) => new Set((pool?.servers ?? []).filter((s) => pending.has(s)).map((s) => s.host));
  log.info(
    formatForwardTable(
      options.bindAddress,
      started.map(({ label, forwarder, pool }) => ({ label, status: forwarder.status(), pending: unanswered(pool) })),
    ),
  );
  for (const { label, forwarder, pool } of started) {
    if (forwarder.listenError !== undefined) {
      const to = spec.hosts.map((h) => `${h}:${forwarder.port}`).join(", ");
      const again = forwarder.proto === "tcp" ? `; trying again every ${options.checkIntervalMs / 1000} s` : "";
      log.error(`${label}: cannot listen on ${options.bindAddress}:${forwarder.port}: ${forwarder.listenError}; connections to it will not reach ${to}${again}`);
    }
    for (const s of pool?.servers ?? []) {
      if (s.up || pending.has(s)) continue;
      const cur = pool?.current();
      const then = cur ? `new connections go to ${serverName(cur)}` : "no server answers yet, connections will fail until one does";
      log.warn(`${label}: server ${serverName(s)} does not answer (${s.reason ?? "unknown"}); ${then}`);
    }
  }

  const stopChecks = startHealthChecks(pools, resolver, options.checkIntervalMs, options.connectTimeoutMs);
  return {
    status: () => started.map(({ forwarder }) => forwarder.status()),
    stop: async () => {
      stopChecks();
      await Promise.all(started.map(({ forwarder }) => forwarder.close()));
      await tcp.path.stop?.();
    },
  };
}

/** The boot table waits this long at most for the first checks: a black-holed host must not hold up the boot. */
const FIRST_CHECKS_MAX_MS = 1000;

/**
 * One check of every server (and a lookup of each UDP host) before the table
 * is printed, so that it shows which answer. Capped at FIRST_CHECKS_MAX_MS:
 * servers still unanswered then are returned (the table says "no answer
 * yet"; they keep taking connections, whose failed connect fails over at
 * once) and their result is logged when it comes.
 */
async function firstChecks(
  pools: readonly ServerPool[],
  udpHosts: readonly string[],
  resolver: HostResolver,
  options: ForwardOptions,
  log: Logger,
): Promise<ReadonlySet<Server>> {
  const pending = new Set<Server>();
  let late = false;
  const checks = pools.flatMap((pool) =>
    pool.servers.map(async (s) => {
      pending.add(s);
      const error = await checkServer(s, resolver, options.connectTimeoutMs);
      pending.delete(s);
      if (!late) pool.setInitial(s, error);
      else if (error !== undefined) pool.markDown(s, error);
      else log.info(`${pool.label}: server ${serverName(s)} answers`);
    }),
  );
  const lookups = udpHosts.map((h) => resolver.resolve(h).catch(() => undefined));
  const deadline = (options.firstChecksDeadline ?? AbortSignal.timeout)(Math.min(options.connectTimeoutMs + 500, FIRST_CHECKS_MAX_MS));
  await Promise.race([Promise.all([...checks, ...lookups]), whenAborted(deadline)]);
  late = true;
  return new Set(pending);
}
