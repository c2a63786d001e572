import { createServer, type Socket } from "node:net";
import { dialTcp } from "./dial-tcp.ts";
import { pipeBothWays } from "./pipe-both-ways.ts";
import { resetSocket } from "./reset-socket.ts";
import type { Relayed, TcpPath } from "./tcp-path.ts";

/** Two net.Sockets relayed by pipeBothWays; the byte counters are the sockets' own. */
class SocketRelay implements Relayed {
  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    closed: (relayed: Relayed) => void,
  ) {
    pipeBothWays(client, upstream, () => closed(this));
  }

  get bytesIn(): number {
    return this.client.bytesRead;
  }

  get bytesOut(): number {
    return this.upstream.bytesRead;
  }

  close(): void {
    this.client.destroy();
    this.upstream.destroy();
  }
}

/**
 * TcpPath on net.Sockets, public API only: what any Node runs. About three
 * times the handle path's CPU per new connection (two Duplex streams with
 * their listeners per connection), and up to `bufferBytes` waiting to be
 * written plus `bufferBytes` read ahead per direction.
 */
export function socketPath(bufferBytes: number): TcpPath<Socket, Socket> {
  return {
    listen: (address, port, accepted, gone) =>
      new Promise((resolve) => {
        // Not pauseOnConnect: pausing and resuming each new socket cost more (epoll changes) than it saved.
        const server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: bufferBytes }, (client) => {
          client.on("error", ignore);
          client.once("close", () => gone(client));
          accepted(client);
        });
        server.once("error", resolve);
        server.listen({ host: address, port, exclusive: true }, () => {
          server.removeListener("error", resolve);
          server.on("error", ignore);
          resolve({ close: (done) => server.close(() => done()) });
        });
      }),
    dial(address, port, timeoutMs, done) {
      let abandoned = false;
      const upstream = dialTcp(address, port, timeoutMs, bufferBytes, (error, socket) => {
        if (!abandoned) done(error, socket);
      });
      return () => {
        abandoned = true;
        upstream.destroy();
      };
    },
    // What the client sent while we dialed sits in its readable buffer (at most
    // bufferBytes, then reading stops); pipeBothWays' data listener flushes it.
    relay: (client, upstream, closed) => new SocketRelay(client, upstream, closed),
    reset: (client) => resetSocket(client),
    close: (client) => void client.destroy(),
  };
}

function ignore(): void {}
