import { fileURLToPath } from "node:url";
import { loadAddon } from "../process/load-addon.ts";
import { errorName, type TcpHandle } from "./tcp-handles.ts";
import type { Relayed } from "./tcp-path.ts";

/** The N-API addon built from src/forward/native/splice-relay.c (its comment has the contract). */
export interface SpliceAddon {
  /** Once per thread, before any start: the one function every relay's end is reported to. */
  setup(closed: (slot: number, reset: boolean, bytesIn: number, bytesOut: number) => void): void;
  /** The relay's slot (>= 0) once relaying on duplicates of both descriptors, or -errno (nothing started). */
  start(clientFd: number, upstreamFd: number, counters?: Float64Array<ArrayBufferLike>): number;
  /** Bytes read so far from the client (0) or the server (1). */
  bytes(slot: number, which: 0 | 1): number;
  /** Ends the relay without a reset; its closed() runs before it returns. */
  stop(slot: number): void;
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

/** The addon once one byte went through splice(2) on a loopback TCP pair, else why not; set up for this thread. */
function probed(loaded: SpliceAddon | { error: string }): SpliceAddon | { error: string } {
  if ("error" in loaded) return loaded;
  const status = loaded.probe();
  if (status !== 0) return { error: `splice(2) between TCP sockets does not work on this kernel (${errorName(status)})` };
  loaded.setup(relayEnded);
  return loaded;
}

/** The relays running on this thread, by slot: one callback for all, no closure or native reference per connection. */
const running = new Map<number, SpliceRelay>();

function relayEnded(slot: number, _reset: boolean, bytesIn: number, bytesOut: number): void {
  const relay = running.get(slot);
  running.delete(slot);
  relay?.ended(bytesIn, bytesOut);
}

/** A TCP handle's descriptor (Node's stream handles have `fd` on Unix; -1 when closed). */
type WithFd = TcpHandle & { readonly fd?: number };

class SpliceRelay implements Relayed {
  /** The counts once it ended: its slot may be another relay's by then. */
  private final: [number, number] | undefined;

  constructor(
    private readonly splice: SpliceAddon,
    private readonly slot: number,
    private readonly closed: (relayed: Relayed) => void,
  ) {}

  get bytesIn(): number {
    return this.final ? this.final[0] : this.splice.bytes(this.slot, 0);
  }

  get bytesOut(): number {
    return this.final ? this.final[1] : this.splice.bytes(this.slot, 1);
  }

  close(): void {
    if (!this.final) this.splice.stop(this.slot);
  }

  ended(bytesIn: number, bytesOut: number): void {
    this.final = [bytesIn, bytesOut];
    this.closed(this);
  }
}

/**
 * Relays client <-> upstream with splice(2) (see splice-relay.c): the kernel
 * moves the data from socket to socket through a pipe per direction, without
 * copying it through this process. Both handles are closed once the addon
 * relays on duplicates of their descriptors. Undefined, both handles as they
 * were, when it cannot start (out of descriptors for the pipes): the caller
 * relays in user space instead. `counters` (2 doubles, zeroed and kept alive
 * by the caller) mirror the bytes for another thread: a relay thread's slot.
 */
export function spliceRelay(
  splice: SpliceAddon,
  client: TcpHandle,
  upstream: TcpHandle,
  closed: (relayed: Relayed) => void,
  counters?: Float64Array<ArrayBufferLike>,
): Relayed | undefined {
  const [clientFd, upstreamFd] = [(client as WithFd).fd, (upstream as WithFd).fd];
  if (!isFd(clientFd) || !isFd(upstreamFd)) return undefined;
  const slot = splice.start(clientFd, upstreamFd, counters);
  if (slot < 0) return undefined;
  const relay = new SpliceRelay(splice, slot, closed);
  running.set(slot, relay);
  client.close();
  upstream.close();
  return relay;
}

const isFd = (fd: number | undefined): fd is number => Number.isInteger(fd) && (fd as number) >= 0;
