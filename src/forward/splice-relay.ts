import { fileURLToPath } from "node:url";
import { loadAddon } from "../process/load-addon.ts";
import { errorName, type TcpHandle } from "./tcp-handles.ts";
import type { Relayed } from "./tcp-path.ts";

/** The N-API addon built from src/forward/native/splice-relay.c (its comment has the contract). */
export interface SpliceAddon {
  /** 0 once relaying on duplicates of both descriptors, or -errno (nothing started, closed is never called). */
  start(self: object, clientFd: number, upstreamFd: number, counters: Float64Array<ArrayBufferLike>, closed: (reset: boolean) => void): number;
  /** Ends the relay without a reset; closed(false) runs before it returns. Does nothing once closed. */
  stop(self: object): void;
  /** 0 when splice(2) moves data between TCP sockets here, else -errno (a sandbox kernel may refuse it). */
  probe(): number;
}

let addon: SpliceAddon | { error: string } | undefined;

/**
 * The splice relay's addon, or why it does not load (said once by the caller); loaded on first use. Beside
 * the bundle (dist/splice-relay.node, found from import.meta.url as reaper.node is), else node-gyp's output
 * when the sources run through tsx.
 */
export function spliceAddon(): SpliceAddon | { error: string } {
  addon ??= probed(
    loadAddon<SpliceAddon>("splice-relay.node", [
      fileURLToPath(new URL("./splice-relay.node", import.meta.url)),
      fileURLToPath(new URL("./native/build/Release/splice-relay.node", import.meta.url)),
    ]),
  );
  return addon;
}

/** The addon once one byte went through splice(2) on a loopback TCP pair, else why not. */
function probed(loaded: SpliceAddon | { error: string }): SpliceAddon | { error: string } {
  if ("error" in loaded) return loaded;
  const status = loaded.probe();
  return status === 0 ? loaded : { error: `splice(2) between TCP sockets does not work on this kernel (${errorName(status)})` };
}

/** A TCP handle's descriptor (Node's stream handles have `fd` on Unix; -1 when closed). */
type WithFd = TcpHandle & { readonly fd?: number };

class SpliceRelay implements Relayed {
  constructor(
    private readonly addon: SpliceAddon,
    /** Bytes read from the client and from the server, kept by the addon as it reads. */
    readonly counters: Float64Array<ArrayBufferLike>,
  ) {}

  get bytesIn(): number {
    return this.counters[0] ?? 0;
  }

  get bytesOut(): number {
    return this.counters[1] ?? 0;
  }

  close(): void {
    this.addon.stop(this);
  }
}

/**
 * Relays client <-> upstream with splice(2) (see splice-relay.c): the kernel
 * moves the data from socket to socket through a pipe per direction, without
 * copying it through this process. Both handles are closed once the addon
 * relays on duplicates of their descriptors. Undefined, both handles as they
 * were, when it cannot start (out of descriptors for the pipes): the caller
 * relays in user space instead. `counters` (2 doubles) may be a view the main
 * thread reads (a relay thread's slot).
 */
export function spliceRelay(
  splice: SpliceAddon,
  client: TcpHandle,
  upstream: TcpHandle,
  closed: (relayed: Relayed) => void,
  counters: Float64Array<ArrayBufferLike> = new Float64Array(new ArrayBuffer(16)),
): Relayed | undefined {
  const [clientFd, upstreamFd] = [(client as WithFd).fd, (upstream as WithFd).fd];
  if (!isFd(clientFd) || !isFd(upstreamFd)) return undefined;
  // A relay thread's slot may hold the counts of the connection before: the addon adds to them.
  counters.fill(0);
  const relay = new SpliceRelay(splice, counters);
  if (splice.start(relay, clientFd, upstreamFd, counters, () => closed(relay)) !== 0) return undefined;
  client.close();
  upstream.close();
  return relay;
}

const isFd = (fd: number | undefined): fd is number => Number.isInteger(fd) && (fd as number) >= 0;
