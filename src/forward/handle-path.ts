import { dialHandle } from "./dial-handle.ts";
import { Relay } from "./relay-handles.ts";
import { listenHandle, type TcpBindings, type TcpHandle } from "./tcp-handles.ts";
import type { TcpPath } from "./tcp-path.ts";

/**
 * TcpPath on Node's own TCP handles (tcp-handles.ts): no net.Socket, no
 * stream, no listener per connection. About a third of the portable path's
 * CPU per new connection, and at most one read (64 KiB) held per direction.
 */
export function handlePath(b: TcpBindings): TcpPath<TcpHandle, TcpHandle> {
  return {
    async listen(address, port, accepted) {
      const server = listenHandle(b, address, port);
      if (server instanceof Error) return server;
      server.onconnection = (status, client) => {
        // A failed accept (EMFILE: out of file descriptors): libuv accepts and closes what waits, as net.Server does; nothing to relay.
        if (status !== 0 || !client) return;
        // No keepalive on this side: a local client that dies is closed by this kernel at once.
        client.setNoDelay(true);
        accepted(client);
      };
      return server;
    },
    // The client is not read while we dial: what it sends waits in the kernel's socket buffer.
    dial: (address, port, timeoutMs, done) => dialHandle(b, address, port, timeoutMs, done),
    relay: (client, upstream, closed) => new Relay(b, client, upstream, closed),
    // A client not relayed yet has no shutdown queued, the one case libuv refuses a reset in (see reset-socket.ts).
    reset: (client) => void client.reset(),
    close: (client) => client.close(),
  };
}
