import type { Logger } from "../log/logger.ts";
import { dialHandle } from "./dial-handle.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { pipeBindings } from "./pipe-handles.ts";
import { Relay } from "./relay-handles.ts";
import { startRelayThread, type RelayThread } from "./relay-worker.ts";
import { spliceAddon, spliceRelay, type SpliceAddon } from "./splice-relay.ts";
import { listenHandle, type TcpBindings, type TcpHandle } from "./tcp-handles.ts";
import type { Relayed, TcpPath } from "./tcp-path.ts";

/**
 * TcpPath on Node's own TCP handles (tcp-handles.ts): no net.Socket, no
 * stream, no listener per connection. About a third of the portable path's
 * CPU per new connection. The data is relayed with splice(2) (splice-relay.ts;
 * at most one pipe, 64 KiB, per direction), or in user space (relay-handles.ts;
 * at most one read, 64 KiB) where the addon does not load or a relay cannot
 * start. With FORWARD_THREADS > 1, connections are spread over relay threads
 * (relay-worker.ts) for loads one core cannot move; a thread costs 10-18 MiB,
 * so none runs unless asked for, and each starts only once needed.
 */
export function handlePath(
  b: TcpBindings,
  options: Pick<ForwardOptions, "relayThreads" | "relayThreadsOnly" | "spliceTcp"> = { relayThreads: 1 },
  log?: Logger,
): TcpPath<TcpHandle, TcpHandle> & { threads(): readonly RelayThread[] } {
  // Loaded with the first TCP connection, not at the boot: a configuration may forward UDP only, or no TCP may come.
  let loaded: SpliceAddon | undefined | null = options.spliceTcp === false ? undefined : null;
  const splice = (): SpliceAddon | undefined => (loaded === null ? (loaded = loadSplice(log)) : loaded);
  const relayHere = (client: TcpHandle, upstream: TcpHandle, closed: (relayed: Relayed) => void): Relayed => {
    const addon = splice();
    return (addon && spliceRelay(addon, client, upstream, closed)) ?? new Relay(b, client, upstream, closed);
  };
  // Connections relayed on this thread now.
  let here = 0;
  const threads: RelayThread[] = [];
  const ready = new Set<RelayThread>();
  // Set when threads cannot start (a Node without pipe handles, a thread that failed) or the path stopped.
  let noMore = options.relayThreads <= 1;

  function startThread(): RelayThread | undefined {
    if (noMore || threads.length >= options.relayThreads - 1) return undefined;
    const pipes = pipeBindings();
    if (typeof pipes === "string") {
      noMore = true;
      log?.warn(`FORWARD_THREADS: TCP is relayed on one thread only: Node ${process.version}'s pipe handles (process.binding) do not fit: ${pipes}`);
      return undefined;
    }
    let thread: RelayThread;
    try {
      thread = startRelayThread(b, pipes, splice() !== undefined, (why) => {
        noMore = true;
        const at = threads.indexOf(thread);
        if (at >= 0) threads.splice(at, 1);
        ready.delete(thread);
        log?.warn(`FORWARD_THREADS: a TCP relay thread stopped (${why}); its connections were closed, new ones go to the other threads`);
      });
    } catch (err) {
      // No temporary directory (TMPDIR missing or read-only): relayed here, said once.
      noMore = true;
      log?.warn(`FORWARD_THREADS: a TCP relay thread could not start (${err instanceof Error ? err.message : String(err)}); TCP is relayed on the threads running`);
      return undefined;
    }
    threads.push(thread);
    void thread.started.then((ok) => ok && threads.includes(thread) && ready.add(thread));
    return thread;
  }

  /** The relay thread relaying the fewest, if it relays fewer than `than`. */
  function leastBusy(than: number): RelayThread | undefined {
    let best: RelayThread | undefined;
    for (const t of ready) if (t.active < (best?.active ?? than)) best = t;
    return best;
  }

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
    relay(client, upstream, closed) {
      if (options.relayThreads <= 1) return relayHere(client, upstream, closed);
      // Every thread busy: one more starts (if allowed), for the connections after this one. A tie stays here: no hand-over.
      if (here > 0 && !options.relayThreadsOnly && [...ready].every((t) => t.active > 0) && threads.length === ready.size) startThread();
      const other = leastBusy(options.relayThreadsOnly ? Infinity : here);
      const relayed = other?.take(client, upstream, closed);
      if (relayed) return relayed;
      here += 1;
      return relayHere(client, upstream, (relay) => {
        here -= 1;
        closed(relay);
      });
    },
    // A client not relayed yet has no shutdown queued, the one case libuv refuses a reset in (see reset-socket.ts).
    reset: (client) => void client.reset(),
    close: (client) => client.close(),
    threads: () => threads,
    async ready() {
      if (!options.relayThreadsOnly) return;
      while (startThread());
      // Tests that relay only on threads must not pass on this thread instead.
      const started = await Promise.all(threads.map((t) => t.started));
      if (threads.length === 0 || started.includes(false)) throw new Error("relayThreadsOnly: a relay thread did not start");
    },
    async stop() {
      noMore = true;
      ready.clear();
      await Promise.all(threads.splice(0).map((t) => t.stop()));
    },
  };
}

/** The splice relay's addon, or undefined with a warning: TCP is then relayed in user space. */
function loadSplice(log: Logger | undefined): SpliceAddon | undefined {
  const addon = spliceAddon();
  if (!("error" in addon)) return addon;
  log?.warn(`TCP is relayed through user space, at about three quarters of the throughput: ${addon.error}`);
  return undefined;
}
