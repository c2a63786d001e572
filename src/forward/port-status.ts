/** One server of a port as the state file shows it. */
export interface ServerStatus {
  readonly host: string;
  readonly address: string | undefined;
  readonly up: boolean;
  readonly reason?: string;
}

/** Counters of one forwarded port, written to the state file's "forward" section. */
export interface PortStatus {
  readonly port: number;
  readonly proto: "tcp" | "udp";
  /** False when the listener could not be opened (`error` says why). */
  readonly listening: boolean;
  readonly error?: string;
  /** TCP: connections accepted. UDP: client addresses seen (each gets an upstream socket). */
  readonly connections: number;
  /** Connections (or UDP client sockets) open now. */
  readonly active: number;
  /** TCP connections that no server accepted. */
  readonly failed: number;
  /** Connect attempts that failed and moved on to the next server. */
  readonly failovers: number;
  /** Bytes from local clients to the servers. */
  readonly bytesIn: number;
  /** Bytes from the servers back to local clients. */
  readonly bytesOut: number;
  /** UDP only: datagrams relayed each way, and datagrams dropped (no address for the server yet). */
  readonly datagramsIn?: number;
  readonly datagramsOut?: number;
  readonly dropped?: number;
  /** UDP only: upstream sockets closed early because udpMaxSessions client addresses were open. */
  readonly evicted?: number;
  /** Where new connections go now (host:port), if any server is up. */
  readonly server: string | undefined;
  readonly servers: readonly ServerStatus[];
}

/** A running listener for one port. */
export interface Forwarder {
  readonly port: number;
  readonly proto: "tcp" | "udp";
  /** Why the listener is not up ("address already in use (EADDRINUSE)"), or undefined. */
  readonly listenError: string | undefined;
  status(): PortStatus;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** "address already in use (EADDRINUSE)" rather than a stack trace. */
export function listenErrorText(err: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    EADDRINUSE: "address already in use",
    EACCES: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
    EADDRNOTAVAIL: "address not available",
  };
  const code = err.code ?? "";
  return known[code] ? `${known[code]} (${code})` : err.message;
}
