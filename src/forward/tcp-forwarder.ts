import { every } from "../lifecycle/every.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { listenErrorText, type Forwarder, type PortStatus } from "./port-status.ts";
import type { HostResolver } from "./resolve-host.ts";
import { serverName, type Server, type ServerPool } from "./server-pool.ts";
import type { Relayed, TcpListener, TcpPath } from "./tcp-path.ts";

/**
 * Listens on bindAddress:port and relays each connection to the first server
 * of `pool` that accepts it: a refused or timed-out connect marks that server
 * down and the next one is tried at once. Resolves once listening, or once
 * listening failed (then `listenError` says why). `path` does the listening,
 * dialing and relaying (tcp-path.ts).
 */
export async function startTcpForwarder<C, U>(
  port: number,
  pool: ServerPool,
  resolver: HostResolver,
  options: ForwardOptions,
  path: TcpPath<C, U>,
  /** Called when a port that was busy at boot could be taken later. */
  onLateListen: () => void = () => {},
): Promise<Forwarder> {
  const { connectTimeoutMs } = options;
  // Accepted clients still waiting for a server, each with the way to abandon its dial.
  const dialing = new Map<C, (() => void) | undefined>();
  const relays = new Set<Relayed>();
  let connections = 0;
  let failed = 0;
  let failovers = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let listener: TcpListener | undefined;
  let closed = false;

  function tryServer(client: C, order: readonly Server[], i: number): void {
    if (!dialing.has(client)) return;
    const s = order[i];
    if (!s) {
      failed += 1;
      dialing.delete(client);
      path.reset(client);
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

  function next(client: C, order: readonly Server[], i: number, s: Server, error: string): void {
    pool.markDown(s, error);
    if (i + 1 < order.length) failovers += 1;
    tryServer(client, order, i + 1);
  }

  function dial(client: C, order: readonly Server[], i: number, s: Server, address: string): void {
    const abandon = path.dial(address, s.port, connectTimeoutMs, (error, upstream) => {
      if (error !== undefined) return next(client, order, i, s, error);
      dialing.delete(client);
      if (!s.up) pool.markUp(s, "a connection got through");
      relays.add(path.relay(client, upstream, relayClosed));
    });
    if (dialing.has(client)) dialing.set(client, abandon);
  }

  function relayClosed(relay: Relayed): void {
    relays.delete(relay);
    bytesIn += relay.bytesIn;
    bytesOut += relay.bytesOut;
  }

  function accepted(client: C): void {
    connections += 1;
    dialing.set(client, undefined);
    tryServer(client, pool.order, 0);
  }

  /** The client left while we were still dialing. */
  function gone(client: C): void {
    if (!dialing.has(client)) return;
    dialing.get(client)?.();
    dialing.delete(client);
  }

  const tryListen = async (): Promise<string | undefined> => {
    const result = await path.listen(options.bindAddress, port, accepted, gone);
    if (result instanceof Error) return listenErrorText(result);
    // Closed while a late listen was under way: the port must not stay open behind a closed forwarder.
    if (closed) result.close(ignore);
    else listener = result;
    return undefined;
  };
  let listenError = await tryListen();
  // A port busy at boot (a hook's service not yet gone, a slow previous
  // container): keep trying every check interval, so forwarding starts late
  // rather than never.
  const stopRelisten =
    listenError === undefined
      ? undefined
      : every(
          options.checkIntervalMs,
          async () => {
            if ((await tryListen()) !== undefined || listenError === undefined || closed) return;
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
        closed = true;
        stopRelisten?.();
        for (const [client, abandon] of dialing) {
          abandon?.();
          path.close(client);
        }
        dialing.clear();
        for (const relay of relays) relay.close();
        if (!listener) return resolve();
        listener.close(resolve);
        listener = undefined;
      }),
  };
}

function ignore(): void {}
