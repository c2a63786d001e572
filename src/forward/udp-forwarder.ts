import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
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
// Bursts from statsd-like clients: a larger receive buffer loses fewer datagrams (Linux caps it at rmem_max).
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

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

  const server = createSocket({ type: "udp4", recvBufferSize: RECV_BUFFER_BYTES });

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
    const upstream = createSocket(isIP(address) === 6 ? "udp6" : "udp4");
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
    session.upstream.close();
  }

  server.on("message", (msg, client) => {
    datagramsIn += 1;
    bytesIn += msg.length;
    if (resolver.peek(host) === undefined) refresh();
    if (target === undefined) {
      dropped += 1;
      return;
    }
    const key = `${client.address}:${client.port}`;
    let session = sessions.get(key);
    if (session && session.address !== target) {
      close(key, session);
      session = undefined;
    }
    session ??= open(key, client, target);
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
      for (const [key, session] of sessions) close(key, session);
      if (listenError === undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function ignore(): void {}
