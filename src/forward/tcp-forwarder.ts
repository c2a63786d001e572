import { every } from "../lifecycle/every.ts";
import { dialHandle } from "./dial-handle.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { listenErrorText, type Forwarder, type PortStatus } from "./port-status.ts";
import { Relay } from "./relay-handles.ts";
import type { HostResolver } from "./resolve-host.ts";
import { serverName, type Server, type ServerPool } from "./server-pool.ts";
import { listenHandle, tcpBindings, type TcpHandle } from "./tcp-handles.ts";

/**
 * Listens on bindAddress:port and relays each connection to the first server
 * of `pool` that accepts it: a refused or timed-out connect marks that server
 * down and the next one is tried at once. Resolves once listening, or once
 * listening failed (then `listenError` says why).
 */
export async function startTcpForwarder(
  port: number,
  pool: ServerPool,
  resolver: HostResolver,
  options: ForwardOptions,
  /** Called when a port that was busy at boot could be taken later. */
  onLateListen: () => void = () => {},
): Promise<Forwarder> {
  const { connectTimeoutMs } = options;
  const b = tcpBindings();
  // Accepted clients still waiting for a server, each with the way to abandon its dial.
  const dialing = new Map<TcpHandle, (() => void) | undefined>();
  const relays = new Set<Relay>();
  let connections = 0;
  let failed = 0;
  let failovers = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let server: TcpHandle | undefined;

  function tryServer(client: TcpHandle, order: readonly Server[], i: number): void {
    if (!dialing.has(client)) return;
    const s = order[i];
    if (!s) {
      failed += 1;
      dialing.delete(client);
      client.reset();
      return;
    }
    const address = resolver.peek(s.host);
    if (address !== undefined) {
      s.address = address;
      dial(client, order, i, s, address);
      return;
    }
    resolver.resolve(s.host).then(
      (resolved) => {
        s.address = resolved;
        if (dialing.has(client)) dial(client, order, i, s, resolved);
      },
      (err: NodeJS.ErrnoException) => next(client, order, i, s, `cannot resolve ${s.host}: ${err.code ?? err.message}`),
    );
  }

  function next(client: TcpHandle, order: readonly Server[], i: number, s: Server, error: string): void {
    pool.markDown(s, error);
    if (i + 1 < order.length) failovers += 1;
    tryServer(client, order, i + 1);
  }

  function dial(client: TcpHandle, order: readonly Server[], i: number, s: Server, address: string): void {
    // The client is not read while we dial: what it sends waits in the kernel's socket buffer.
    const abandon = dialHandle(b!, address, s.port, connectTimeoutMs, (error, upstream) => {
      if (error !== undefined) return next(client, order, i, s, error);
      dialing.delete(client);
      if (!s.up) pool.markUp(s, "a connection got through");
      relays.add(new Relay(b!, client, upstream, relayClosed));
    });
    if (dialing.has(client)) dialing.set(client, abandon);
  }

  function relayClosed(relay: Relay): void {
    relays.delete(relay);
    bytesIn += relay.bytesIn;
    bytesOut += relay.bytesOut;
  }

  function onConnection(status: number, client: TcpHandle | undefined): void {
    // A failed accept (EMFILE: out of file descriptors) leaves the connection in the backlog, tried again.
    if (status !== 0 || !client) return;
    connections += 1;
    // No keepalive on this side: a local client that dies is closed by this kernel at once.
    client.setNoDelay(true);
    dialing.set(client, undefined);
    tryServer(client, pool.order, 0);
  }

  const tryListen = async (): Promise<string | undefined> => {
    if (!b) return NO_HANDLES;
    const handle = listenHandle(b, options.bindAddress, port);
    if (handle instanceof Error) return listenErrorText(handle);
    handle.onconnection = onConnection;
    server = handle;
    return undefined;
  };
  let listenError = await tryListen();
  // A port busy at boot (a hook's service not yet gone, a slow previous
  // container): keep trying every check interval, so forwarding starts late
  // rather than never.
  const stopRelisten =
    listenError === undefined || listenError === NO_HANDLES
      ? undefined
      : every(
          options.checkIntervalMs,
          async () => {
            if ((await tryListen()) !== undefined || listenError === undefined) return;
            listenError = undefined;
            stopRelisten?.();
            onLateListen();
          },
          ignore,
        );

  function status(): PortStatus {
    let liveIn = 0;
    let liveOut = 0;
    for (const relay of relays) {
      liveIn += relay.bytesIn;
      liveOut += relay.bytesOut;
    }
    const current = pool.current();
    return {
      port,
      proto: "tcp",
      listening: listenError === undefined,
      ...(listenError !== undefined && { error: listenError }),
      connections,
      active: dialing.size + relays.size,
      failed,
      failovers,
      bytesIn: bytesIn + liveIn,
      bytesOut: bytesOut + liveOut,
      server: current ? serverName(current) : undefined,
      servers: pool.servers.map((s) => ({ host: s.host, address: s.address, up: s.up, ...(s.reason !== undefined && { reason: s.reason }) })),
    };
  }

  return {
    port,
    proto: "tcp",
    get listenError() {
      return listenError;
    },
    status,
    close: () =>
      new Promise<void>((resolve) => {
        stopRelisten?.();
        for (const [client, abandon] of dialing) {
          abandon?.();
          client.close();
        }
        dialing.clear();
        for (const relay of relays) relay.close();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
}

/** A Node without process.binding("tcp_wrap") (none so far, 20 to 24 have it): the port says so, the rest still starts. */
const NO_HANDLES = `this Node (${process.version}) offers no TCP handles to forward with (process.binding("tcp_wrap"))`;

function ignore(): void {}
