import { dialTcp } from "./dial-tcp.ts";
import type { HostResolver } from "./resolve-host.ts";
import type { Server, ServerPool } from "./server-pool.ts";

/** Resolves the name and opens (then closes) a TCP connection: undefined when the server answers, else why not. */
export async function checkServer(s: Server, resolver: HostResolver, timeoutMs: number): Promise<string | undefined> {
  let address: string;
  try {
    address = await resolver.resolve(s.host);
  } catch (err) {
    return `cannot resolve ${s.host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  s.address = address;
  return new Promise((resolve) => {
    dialTcp(address, s.port, timeoutMs, 4096, (error, socket) => {
      if (error === undefined) socket.destroy();
      resolve(error);
    });
  });
}

/**
 * Checks every server of every pool each `intervalMs` (a server whose last
 * check is still running is skipped) and feeds the results to its pool.
 * Returns the function that stops the checks.
 */
export function startHealthChecks(pools: readonly ServerPool[], resolver: HostResolver, intervalMs: number, timeoutMs: number): () => void {
  const running = new Set<Server>();
  const round = (): void => {
    for (const pool of pools) {
      for (const s of pool.servers) {
        if (running.has(s)) continue;
        running.add(s);
        void checkServer(s, resolver, timeoutMs).then((error) => {
          running.delete(s);
          if (!stopped) pool.recordCheck(s, error);
        });
      }
    }
  };
  let stopped = false;
  const timer = setInterval(round, intervalMs).unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
