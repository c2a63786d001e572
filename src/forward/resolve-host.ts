import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** All addresses of a name, in the resolver's order. */
export type Lookup = (host: string) => Promise<readonly LookupAddress[]>;

/** getaddrinfo through libuv's thread pool: /etc/hosts and Docker's host.docker.internal work. */
export const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface HostResolver {
  /** The cached address while it is fresh, else undefined (call `resolve`). Never blocks. */
  peek(host: string): string | undefined;
  /**
   * The address to connect to: IPv4 preferred (host.docker.internal often has
   * an IPv6 address that containers cannot reach). Looked up again once the
   * cache expires; when that lookup fails the last good address is kept.
   */
  resolve(host: string): Promise<string>;
}

interface Entry {
  address: string | undefined;
  expires: number;
  pending: Promise<string> | undefined;
  /** The last failed lookup of a name that never resolved, reused briefly so a dead name is not looked up per connection. */
  failure: unknown;
}

const RETRY_FAILED_MS = 1000;

function preferIPv4(host: string, addresses: readonly LookupAddress[]): string {
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (!chosen) throw Object.assign(new Error(`no address for ${host}`), { code: "ENOTFOUND" });
  return chosen.address;
}

/** A shared name cache for all ports, so each name is looked up at most once per `cacheMs`. */
export function createHostResolver(cacheMs: number, lookup: Lookup = systemLookup): HostResolver {
  const cache = new Map<string, Entry>();

  function refresh(host: string, entry: Entry): Promise<string> {
    entry.pending ??= lookup(host)
      .then((list) => {
        entry.address = preferIPv4(host, list);
        entry.failure = undefined;
        entry.expires = Date.now() + cacheMs;
        return entry.address;
      })
      .catch((err: unknown) => {
        entry.expires = Date.now() + Math.min(cacheMs, RETRY_FAILED_MS);
        if (entry.address === undefined) {
          entry.failure = err;
          throw err;
        }
        // A DNS hiccup must not take a working server away; try again soon.
        return entry.address;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  function entryOf(host: string): Entry {
    let entry = cache.get(host);
    if (!entry) {
      const literal = isIP(host) !== 0;
      entry = { address: literal ? host : undefined, expires: literal ? Infinity : 0, pending: undefined, failure: undefined };
      cache.set(host, entry);
    }
    return entry;
  }

  return {
    peek(host) {
      const entry = entryOf(host);
      return entry.expires > Date.now() ? entry.address : undefined;
    },
    resolve(host) {
      const entry = entryOf(host);
      if (entry.expires > Date.now()) {
        if (entry.address !== undefined) return Promise.resolve(entry.address);
        if (entry.failure !== undefined) return Promise.reject(entry.failure);
      }
      return refresh(host, entry);
    },
  };
}
