import type { DialError } from "./dial-tcp.ts";
import type { Logger } from "../log/logger.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { handlePath } from "./handle-path.ts";
import { socketPath } from "./socket-path.ts";
import { tcpBindings, type TcpBindings } from "./tcp-handles.ts";

/** A connection being relayed: its byte counters so far, and the way to cut it. */
export interface Relayed {
  /** Bytes read from the client (sent to the server), and back. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  close(): void;
}

export interface TcpListener {
  close(done: () => void): void;
}

/**
 * How the TCP forwarder listens, dials and relays: on Node's own handles
 * (handle-path.ts) or on net.Sockets (socket-path.ts). The forwarder's
 * failover and counters are written once, over this. `C` is an accepted
 * client, `U` a connection to a server.
 */
export interface TcpPath<C, U> {
  /**
   * Listens on address:port. `accepted` gets each new client; `gone` a client
   * that closed before it was relayed (the socket path notices; the handle
   * path does not read a client while it dials, the relay then sees its end).
   * Resolves with the listener or with the error as net.Server reports it.
   */
  listen(address: string, port: number, accepted: (client: C) => void, gone: (client: C) => void): Promise<TcpListener | NodeJS.ErrnoException>;
  /**
   * Connects to address:port with a deadline and calls `done` once: with the
   * connection (TCP_NODELAY and keepalive on), or with why it failed. Returns
   * the function that abandons the dial: `done` is then never called.
   */
  dial(address: string, port: number, timeoutMs: number, done: (error: DialError | undefined, upstream: U) => void): () => void;
  /** Relays both ways until both sides are closed, then calls `closed` once. */
  relay(client: C, upstream: U, closed: (relayed: Relayed) => void): Relayed;
  /** No server took the client: it sees a reset. */
  reset(client: C): void;
  /** The forwarder stops: a client not relayed yet is closed. */
  close(client: C): void;
  /** Resolves once the path can relay as configured (with relayThreadsOnly, every relay thread has started). */
  ready?(): Promise<void>;
  /** After every forwarder closed: ends what the path runs besides them (the relay thread). */
  stop?(): Promise<void>;
}

/**
 * The handle path where this Node has what it needs, else the portable one
 * with `slower` saying why (logged once at start). `options.portableTcp`
 * forces the portable path, so that tests run both.
 */
export function tcpPath(
  options: ForwardOptions,
  bindings: TcpBindings | string = tcpBindings(),
  log?: Logger,
): { path: TcpPath<unknown, unknown>; slower?: string } {
  if (options.portableTcp) return { path: socketPath(options.tcpBufferBytes), slower: "the portableTcp option asks for it" };
  if (typeof bindings === "string") {
    return { path: socketPath(options.tcpBufferBytes), slower: `Node ${process.version}'s TCP handles (process.binding) do not fit: ${bindings}` };
  }
  return { path: handlePath(bindings, options, log) };
}
