import type { Lookup } from "./resolve-host.ts";

/** Tuning of the forwarders. The environment sets only the check interval; the rest are fixed here (tests shorten them). */
export interface ForwardOptions {
  /** Address the listeners bind; forwarding is for this container's own processes only. */
  readonly bindAddress: string;
  /** A connect to a server that takes longer counts as failed: the next server is tried at once. */
  readonly connectTimeoutMs: number;
  /** Milliseconds between health checks of each server (FORWARD_CHECK_INTERVAL_SEC). */
  readonly checkIntervalMs: number;
  /** Consecutive good checks that bring a down server back (haproxy `rise`). */
  readonly rise: number;
  /** Consecutive failed checks that mark an up server down (haproxy `fall`); a failed connect does it at once. */
  readonly fall: number;
  /** How long a resolved address is reused before the name is looked up again. */
  readonly dnsCacheMs: number;
  /** A UDP client address silent this long loses its upstream socket. */
  readonly udpIdleMs: number;
  /**
   * Upstream sockets per UDP port at most. A client that sends each datagram
   * from a new port (`nc -u` in a loop, some statsd clients) would otherwise
   * open one per datagram until the idle sweep: file descriptors and memory
   * the supervisor needs for deregistering. Past it, the oldest is closed.
   */
  readonly udpMaxSessions: number;
  /**
   * User-space buffer per direction of a TCP connection relayed on net.Sockets
   * (the portable path, tcp-path.ts). Reading stops when it is full, so memory
   * per connection stays bounded with a slow peer.
   */
  readonly tcpBufferBytes: number;
  /** Relay TCP on net.Sockets even where Node's own TCP handles fit: tests run every TCP test on both paths. */
  readonly portableTcp?: boolean;
  /**
   * false: relay TCP handles in user space (read, write) even where the
   * splice relay (splice-relay.c) loads; tests run every TCP test both ways.
   */
  readonly spliceTcp?: boolean;
  /**
   * Threads that relay TCP connections on the handle path, this one included
   * (FORWARD_THREADS): each further one starts when every running thread
   * relays a connection, and each new connection goes to the thread relaying
   * the fewest.
   */
  readonly relayThreads: number;
  /** Tests: start the relay threads with the listeners and relay every connection on them, none here. */
  readonly relayThreadsOnly?: boolean;
  /** Name resolution; tests inject one to change "DNS" while running. */
  readonly lookup?: Lookup;
  /**
   * Makes the signal that ends the boot table's wait for the first checks
   * (default AbortSignal.timeout). Tests hand in their own to end it at a step
   * they choose, never by racing a clock.
   */
  readonly firstChecksDeadline?: (ms: number) => AbortSignal;
}

export const DEFAULT_FORWARD_OPTIONS: ForwardOptions = Object.freeze({
  bindAddress: "127.0.0.1",
  connectTimeoutMs: 3000,
  checkIntervalMs: 10_000,
  rise: 3,
  fall: 3,
  dnsCacheMs: 10_000,
  udpIdleMs: 60_000,
  udpMaxSessions: 4096,
  tcpBufferBytes: 256 * 1024,
  relayThreads: 1,
});
