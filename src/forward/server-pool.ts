import type { Logger } from "../log/logger.ts";

/** One FORWARD_HOST entry as seen by one port. */
export interface Server {
  readonly host: string;
  readonly port: number;
  /** Last address the name resolved to (shown in the table and the state file). */
  address: string | undefined;
  up: boolean;
  /** Why it is down, e.g. "connect ECONNREFUSED". */
  reason: string | undefined;
  /** Consecutive good (while down) or failed (while up) checks. */
  streak: number;
}

/** A server's name in log lines: `host:port`, plus the address when the host is a name. */
export function serverName(s: Server): string {
  const addr = s.address !== undefined && s.address !== s.host ? ` [${s.address}]` : "";
  return `${s.host}:${s.port}${addr}`;
}

/**
 * The ordered servers of one port and which of them are down. New connections
 * take `order`: servers that are up in FORWARD_HOST order, then the down ones
 * as a last resort. State changes log one line each, never one per connection.
 */
export class ServerPool {
  readonly label: string;
  readonly servers: readonly Server[];
  /** Replaced (never mutated) on each change, so a connection in progress keeps a stable list. */
  order: readonly Server[];
  readonly #log: Logger;
  readonly #rise: number;
  readonly #fall: number;

  constructor(label: string, hosts: readonly string[], port: number, log: Logger, rise: number, fall: number) {
    this.label = label;
    this.servers = hosts.map((host) => ({ host, port, address: undefined, up: true, reason: undefined, streak: 0 }));
    this.order = this.servers;
    this.#log = log;
    this.#rise = rise;
    this.#fall = fall;
  }

  /** The server new connections go to first, if any is up. */
  current(): Server | undefined {
    const first = this.order[0];
    return first?.up ? first : undefined;
  }

  /** A connect failed: the server is down at once, so the next connection does not wait on it. */
  markDown(s: Server, reason: string): void {
    s.reason = reason;
    s.streak = 0;
    if (!s.up) return;
    s.up = false;
    this.#reorder();
    this.#log.warn(`${this.label}: server ${serverName(s)} is down (${reason}); ${this.#where()}`);
  }

  /** A real connection got through while the server was marked down: trust it. */
  markUp(s: Server, why: string): void {
    s.streak = 0;
    if (s.up) return;
    s.up = true;
    s.reason = undefined;
    this.#reorder();
    this.#log.info(`${this.label}: server ${serverName(s)} is up again (${why}); ${this.#where()}`);
  }

  /** Boot: the first check sets the state without a transition line (the boot table shows it). */
  setInitial(s: Server, error: string | undefined): void {
    s.up = error === undefined;
    s.reason = error;
    s.streak = 0;
    this.#reorder();
  }

  /** A health check's result; `rise` good ones bring a server back, `fall` failed ones take it down. */
  recordCheck(s: Server, error: string | undefined): void {
    if (s.up === (error === undefined)) {
      s.streak = 0;
      return;
    }
    s.streak += 1;
    if (s.up && error !== undefined && s.streak >= this.#fall) this.markDown(s, `${s.streak} failed checks, last: ${error}`);
    else if (!s.up && error === undefined && s.streak >= this.#rise) this.markUp(s, `${s.streak} good checks`);
    else if (error !== undefined) s.reason = error;
  }

  #reorder(): void {
    this.order = [...this.servers.filter((s) => s.up), ...this.servers.filter((s) => !s.up)];
  }

  #where(): string {
    const cur = this.current();
    return cur ? `new connections go to ${serverName(cur)}` : "no server is up: new connections try each in order";
  }
}
