import { ConfigError } from "./config-error.ts";

export type ForwardProto = "tcp" | "udp";

export interface ForwardPort {
  readonly port: number;
  readonly proto: ForwardProto;
  /** `N/tcp-backup`: the FORWARD_HOST order is reversed for this port. */
  readonly reversed: boolean;
}

const HOSTNAME = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/;

/** FORWARD_HOST: space-separated hosts, each may carry `:port` (ignored, as in the original image). */
export function parseForwardHosts(value: string): string[] {
  const hosts: string[] = [];
  for (const item of value.trim().split(/\s+/).filter(Boolean)) {
    const host = item.replace(/:\d+$/, "");
    if (!HOSTNAME.test(host)) {
      throw new ConfigError("FORWARD_HOST", `expected space-separated host names (each may end with :port), got "${item}"`);
    }
    // Ports listen on 127.0.0.1: forwarding there again would connect to ourselves in a loop.
    if (/^(localhost|127\.0\.0\.1|0\.0\.0\.0)$/i.test(host)) {
      throw new ConfigError("FORWARD_HOST", `"${item}" is where the forwarded ports listen (127.0.0.1): it would forward to itself; name another host (127.0.0.2 works for tests)`);
    }
    hosts.push(host);
  }
  return hosts;
}

/** FORWARD_PORTS: space-separated `N`, `N/tcp`, `N/udp`, `N/tcp-backup`. */
export function parseForwardPorts(value: string): ForwardPort[] {
  const ports: ForwardPort[] = [];
  const seen = new Set<string>();
  for (const item of value.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(\d+)(?:\/(tcp|udp|tcp-backup))?$/.exec(item);
    if (!m) {
      throw new ConfigError("FORWARD_PORTS", `expected space-separated N, N/tcp, N/udp or N/tcp-backup, got "${item}"`);
    }
    const port = Number(m[1]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigError("FORWARD_PORTS", `port must be 1-65535, got "${item}"`);
    }
    const kind = m[2] ?? "tcp";
    const proto: ForwardProto = kind === "udp" ? "udp" : "tcp";
    const key = `${port}/${proto}`;
    if (seen.has(key)) throw new ConfigError("FORWARD_PORTS", `port ${key} is listed twice in "${value.trim()}"`);
    seen.add(key);
    ports.push({ port, proto, reversed: kind === "tcp-backup" });
  }
  return ports;
}
