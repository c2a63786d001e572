import { Socket, type SocketConstructorOpts } from "node:net";
import type { DuplexOptions } from "node:stream";

/** Why a connect failed, short: "connect ECONNREFUSED", "connect timeout after 3 s". */
export type DialError = string;

/**
 * Connects to address:port with a deadline and calls `done` exactly once:
 * with the connected socket, or with the reason it failed (the socket is then
 * destroyed). The health checks use it; forwarded connections dial on bare
 * handles (dial-handle.ts).
 */
export function dialTcp(
  address: string,
  port: number,
  timeoutMs: number,
  bufferBytes: number,
  done: (error: DialError | undefined, socket: Socket) => void,
): Socket {
  // net.Socket hands the high-water marks to stream.Duplex; @types/node 20 lists neither them nor the rest.
  // noDelay and keepAlive belong here: Node 20's socket.connect() ignores them (only
  // net.connect() and the constructor read them), so before they were never set.
  // Keepalive: a server host that vanishes while a connection idles (an SSH session, a pooled DB
  // connection) is noticed in minutes instead of never; nothing else times idle connections out.
  const opts: SocketConstructorOpts & DuplexOptions & { noDelay: boolean; keepAlive: boolean; keepAliveInitialDelay: number } = {
    allowHalfOpen: true,
    readableHighWaterMark: bufferBytes,
    writableHighWaterMark: bufferBytes,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: 60_000,
  };
  const socket = new Socket(opts);
  let settled = false;
  const settle = (error: DialError | undefined): void => {
    if (settled) return;
    settled = true;
    socket.setTimeout(0);
    socket.removeListener("connect", onConnect);
    socket.removeListener("timeout", onTimeout);
    if (error !== undefined) socket.destroy();
    done(error, socket);
  };
  const onConnect = (): void => settle(undefined);
  const onTimeout = (): void => settle(`connect timeout after ${timeoutMs / 1000} s`);
  socket.once("connect", onConnect);
  socket.once("timeout", onTimeout);
  // Stays attached: errors after the connect are the relay's business, it listens too.
  socket.on("error", (err: NodeJS.ErrnoException) => settle(`connect ${err.code ?? err.message}`));
  socket.setTimeout(timeoutMs);
  socket.connect({ host: address, port });
  return socket;
}
