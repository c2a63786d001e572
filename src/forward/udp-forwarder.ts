import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from "node:dgram";
import { lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";
import type { Logger } from "../log/logger.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { listenErrorText, type Forwarder, type PortStatus } from "./port-status.ts";
import type { HostResolver } from "./resolve-host.ts";

/** One local client address and its own upstream socket, so replies find their way back. */
interface Session {
  readonly upstream: Socket;
  readonly address: string;
  /** Datagrams that arrived before the upstream socket was connected (bounded). */
  queue: Buffer[] | undefined;
  /** Set on traffic, cleared by the idle sweep; a session found unset twice in a row is closed. */
  active: boolean;
}

const MAX_QUEUED = 256;
const RETRY_RESOLVE_MS = 1000;
// SO_RCVBUF of the listening socket: a burst from a statsd-like client, or a
// GC pause here, is held by the kernel instead of dropped (about 60,000
// small datagrams; Linux caps it at net.core.rmem_max, 4 MiB in Docker's
// default namespace and 208 KiB on a bare host).
const LISTEN_BUFFER_BYTES = 4 * 1024 * 1024;
// SO_RCVBUF/SO_SNDBUF of each client's upstream socket: replies (DNS answers,
// a game server's state) and sends that meet a full queue. Kernel memory, used
// only while something is queued.
const SESSION_BUFFER_BYTES = 1024 * 1024;

/**
 * dgram's send() to an address looks it up first, and dns.lookup answers even
 * an IP literal on the next tick: one extra tick per reply. Client addresses
 * are always literals.
 */
const literalLookup = ((address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void) => {
  const version = isIP(address);
  if (version !== 0) return callback(null, address, version);
  dnsLookup(address, family as number, callback);
}) as unknown as SocketOptions["lookup"];

/**
 * Listens on bindAddress:port (UDP) and sends each datagram to `host`, the
 * primary (UDP has no failover, as in the original image). Each client
 * address gets its own connected upstream socket, closed after udpIdleMs
 * without traffic; replies on it go back to that client. The name is
 * re-resolved as the cache expires and sessions move to a changed address.
 */
export async function startUdpForwarder(
  port: number,
  host: string,
  resolver: HostResolver,
  options: ForwardOptions,
  log: Logger,
): Promise<Forwarder> {
  const label = `${port}/udp`;
  const sessions = new Map<string, Session>();
  let target: string | undefined;
  let resolving = false;
  let retryAt = 0;
  let resolveError: string | undefined;
  let connections = 0;
  let datagramsIn = 0;
  let datagramsOut = 0;
  let dropped = 0;
  let evicted = 0;
  let bytesIn = 0;
  let bytesOut = 0;

  const server = createSocket({ type: "udp4", recvBufferSize: LISTEN_BUFFER_BYTES, sendBufferSize: LISTEN_BUFFER_BYTES, lookup: literalLookup });
  // The client of the last datagram: a client sends in bursts from one address,
  // so most datagrams skip building the key and the map lookup.
  let last: { port: number; address: string; session: Session } | undefined;

  function refresh(): void {
    if (resolving || Date.now() < retryAt) return;
    resolving = true;
    resolver.resolve(host).then(
      (address) => {
        resolving = false;
        if (resolveError !== undefined) log.info(`${label}: ${host} resolves again, to ${address}`);
        resolveError = undefined;
        target = address;
      },
      (err: NodeJS.ErrnoException) => {
        resolving = false;
        retryAt = Date.now() + RETRY_RESOLVE_MS;
        const why = `cannot resolve ${host}: ${err.code ?? err.message}`;
        if (why !== resolveError) log.warn(`${label}: ${why}; datagrams are dropped until it resolves`);
        resolveError = why;
      },
    );
  }

  function open(key: string, client: RemoteInfo, address: string): Session {
    if (sessions.size >= options.udpMaxSessions) evictOldest();
    const upstream = createSocket({ type: isIP(address) === 6 ? "udp6" : "udp4", recvBufferSize: SESSION_BUFFER_BYTES, sendBufferSize: SESSION_BUFFER_BYTES });
    const session: Session = { upstream, address, queue: [], active: true };
    connections += 1;
    upstream.on("message", (reply) => {
      session.active = true;
      datagramsOut += 1;
      bytesOut += reply.length;
      server.send(reply, client.port, client.address);
    });
    // ICMP port unreachable from a server that is not listening, for one: UDP carries on.
    upstream.on("error", ignore);
    upstream.connect(port, address, () => {
      const queued = session.queue ?? [];
      session.queue = undefined;
      for (const msg of queued) upstream.send(msg);
    });
    sessions.set(key, session);
    return session;
  }

  function evictOldest(): void {
    const [key, session] = sessions.entries().next().value as [string, Session];
    close(key, session);
    if (evicted++ === 0) {
      log.warn(
        `${label}: more than ${options.udpMaxSessions} client addresses at once (a client sending each datagram from a new port?); ` +
          "closing the oldest upstream sockets, so replies to those clients are lost",
      );
    }
  }

  function close(key: string, session: Session): void {
    sessions.delete(key);
    if (last?.session === session) last = undefined;
    session.upstream.close();
  }

  // Runs for every datagram: nothing here allocates unless a new client appears.
  server.on("message", (msg, client) => {
    datagramsIn += 1;
    bytesIn += msg.length;
    if (target === undefined) {
      refresh();
      dropped += 1;
      return;
    }
    let session: Session | undefined;
    if (last !== undefined && last.port === client.port && last.address === client.address && last.session.address === target) {
      session = last.session;
    } else {
      const key = `${client.address}:${client.port}`;
      session = sessions.get(key);
      if (session && session.address !== target) {
        close(key, session);
        session = undefined;
      }
      session ??= open(key, client, target);
      last = { port: client.port, address: client.address, session };
    }
    session.active = true;
    if (session.queue === undefined) session.upstream.send(msg);
    else if (session.queue.length < MAX_QUEUED) session.queue.push(msg);
    else dropped += 1;
  });

  const listenError = await new Promise<string | undefined>((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(listenErrorText(err)));
    server.bind({ address: options.bindAddress, port, exclusive: true }, () => resolve(undefined));
  });
  server.on("error", ignore);
  refresh();
  // The name is looked up again as its cache expires, on a timer rather than per datagram.
  const relookup = setInterval(() => {
    if (resolver.peek(host) === undefined) refresh();
  }, Math.max(100, Math.min(options.dnsCacheMs, RETRY_RESOLVE_MS))).unref();

  const sweep = setInterval(() => {
    for (const [key, session] of sessions) {
      if (session.active) session.active = false;
      else close(key, session);
    }
  }, options.udpIdleMs).unref();

  function status(): PortStatus {
    return {
      port,
      proto: "udp",
      listening: listenError === undefined,
      ...(listenError !== undefined && { error: listenError }),
      connections,
      active: sessions.size,
      failed: 0,
      failovers: 0,
      bytesIn,
      bytesOut,
      datagramsIn,
      datagramsOut,
      dropped,
      evicted,
      server: target !== undefined ? `${host}:${port}` : undefined,
      servers: [{ host, address: target, up: target !== undefined, ...(resolveError !== undefined && { reason: resolveError }) }],
    };
  }

  return {
    port,
    proto: "udp",
    listenError,
    status,
    close: async () => {
      clearInterval(sweep);
      clearInterval(relookup);
      for (const [key, session] of sessions) close(key, session);
      if (listenError === undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function ignore(): void {}
