import { createServer, type Socket } from "node:net";
import { every } from "../lifecycle/every.ts";
import { dialTcp } from "./dial-tcp.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { pipeBothWays } from "./pipe-both-ways.ts";
import { listenErrorText, type Forwarder, type PortStatus } from "./port-status.ts";
import type { HostResolver } from "./resolve-host.ts";
import { serverName, type Server, type ServerPool } from "./server-pool.ts";

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
  const { connectTimeoutMs, tcpBufferBytes } = options;
  // Each accepted client, with its upstream once connected (undefined while dialing).
  const clients = new Map<Socket, Socket | undefined>();
  let connections = 0;
  let failed = 0;
  let failovers = 0;
  let bytesIn = 0;
  let bytesOut = 0;

  function tryServer(client: Socket, order: readonly Server[], i: number): void {
    if (client.destroyed) return;
    const s = order[i];
    if (!s) {
      failed += 1;
      client.resetAndDestroy();
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
        if (!client.destroyed) dial(client, order, i, s, resolved);
      },
      (err: NodeJS.ErrnoException) => next(client, order, i, s, `cannot resolve ${s.host}: ${err.code ?? err.message}`),
    );
  }

  function next(client: Socket, order: readonly Server[], i: number, s: Server, error: string): void {
    pool.markDown(s, error);
    if (i + 1 < order.length) failovers += 1;
    tryServer(client, order, i + 1);
  }

  function dial(client: Socket, order: readonly Server[], i: number, s: Server, address: string): void {
    const upstream = dialTcp(address, s.port, connectTimeoutMs, tcpBufferBytes, (error) => {
      client.removeListener("close", abandon);
      if (error !== undefined) return next(client, order, i, s, error);
      if (!s.up) pool.markUp(s, "a connection got through");
      // Closed in the same turn as the connect: its close event is gone, pipeBothWays would wait forever.
      if (client.destroyed) return void upstream.destroy();
      clients.set(client, upstream);
      pipeBothWays(client, upstream, () => {
        clients.delete(client);
        bytesIn += client.bytesRead;
        bytesOut += upstream.bytesRead;
      });
      // What the client sent while we dialed sits in its readable buffer (at most
      // tcpBufferBytes, then reading stops); pipeBothWays' data listener flushes it.
    });
    // The client left while we were still dialing.
    const abandon = (): void => {
      upstream.destroy();
    };
    client.once("close", abandon);
  }

  const server = createServer(
    // No keepalive on this side: a local client that dies is closed by this kernel at once.
    // Not pauseOnConnect: pausing and resuming each new socket cost more (epoll changes) than it saved.
    { allowHalfOpen: true, noDelay: true, highWaterMark: tcpBufferBytes },
    (client) => {
      connections += 1;
      clients.set(client, undefined);
      client.on("error", ignore);
      client.once("close", () => {
        if (clients.get(client) === undefined) clients.delete(client);
      });
      tryServer(client, pool.order, 0);
    },
  );

  const tryListen = () =>
    new Promise<string | undefined>((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => resolve(listenErrorText(err));
      server.once("error", onError);
      server.listen({ host: options.bindAddress, port, exclusive: true }, () => {
        server.removeListener("error", onError);
        resolve(undefined);
      });
    });
  let listenError = await tryListen();
  server.on("error", ignore);
  // A port busy at boot (a hook's service not yet gone, a slow previous
  // container): keep trying every check interval, so forwarding starts late
  // rather than never.
  const stopRelisten =
    listenError === undefined
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
    for (const [client, upstream] of clients) {
      if (!upstream) continue;
      liveIn += client.bytesRead;
      liveOut += upstream.bytesRead;
    }
    const current = pool.current();
    return {
      port,
      proto: "tcp",
      listening: listenError === undefined,
      ...(listenError !== undefined && { error: listenError }),
      connections,
      active: clients.size,
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
        for (const client of clients.keys()) client.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

function ignore(): void {}
