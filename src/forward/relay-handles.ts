import { reclaimReadBuffers } from "./reclaim-read-buffers.ts";
import type { ShutdownReq, TcpBindings, TcpHandle, WriteReq } from "./tcp-handles.ts";

/** The relay a handle belongs to, set on the handle itself: its callbacks get only `this`. */
interface RelayHandle extends TcpHandle {
  relay?: Relay;
  /** A shutdown was asked for: libuv refuses to reset such a handle, and Node then would not close it either. */
  shutting?: boolean;
}

interface RelayWriteReq extends WriteReq {
  /** Where the data came from: reading it resumes once this write is done. */
  source: RelayHandle;
}

/**
 * One forwarded connection on two connected handles (tcp-handles.ts), each
 * direction relayed as read -> write. A write the kernel does not take at
 * once (the receiver is slow) stops reading from the sender until it is
 * done: at most one read (Node reads up to 64 KiB) is held per direction, the
 * rest waits in the kernel's socket buffers. End of input becomes a shutdown
 * (half-close) of the other side; once both directions have ended, both
 * handles close. A read or write error (a reset) resets the other side.
 * Functions shared by all relays rather than closures: this runs per
 * connection and per read.
 */
export class Relay {
  /** Bytes read from the client (sent to the server), and back. */
  bytesIn = 0;
  bytesOut = 0;
  private ended = 0;
  private done = false;

  constructor(
    readonly b: TcpBindings,
    readonly client: TcpHandle,
    readonly upstream: TcpHandle,
    private readonly closed: (relay: Relay) => void,
    /** On the relay thread: bytesIn and bytesOut are mirrored at counters[at] and [at + 1] for the main thread to read. */
    private readonly counters?: Float64Array,
    private readonly at = 0,
  ) {
    (client as RelayHandle).relay = this;
    (upstream as RelayHandle).relay = this;
    client.onread = onRead;
    upstream.onread = onRead;
    // Failing later, not inside the constructor: the caller keeps the relay until `closed` says it ended.
    if (client.readStart() !== 0 || upstream.readStart() !== 0) queueMicrotask(() => this.fail());
  }

  /** Closes both sides now (the forwarder stops). */
  close(): void {
    this.finish(false);
  }

  /** One side broke: the other sees a reset, as it would have without a forwarder in between. */
  fail(): void {
    this.finish(true);
  }

  private finish(reset: boolean): void {
    if (this.done) return;
    this.done = true;
    for (const h of [this.client, this.upstream] as RelayHandle[]) {
      // Node's handles accept only a function here.
      h.onread = ignoreRead;
      // libuv refuses a reset only while a shutdown is queued (`shutting`), and Node then leaves the handle open for
      // good, close() included (see reset-socket.ts): such a side is closed instead.
      if (!reset || h.shutting) h.close();
      else h.reset();
    }
    this.closed(this);
  }

  /** `from` delivered `n` bytes (a view of `buffer`): pass them on. */
  relayData(from: RelayHandle, buffer: ArrayBuffer, n: number): void {
    const toServer = from === this.client;
    if (toServer) this.bytesIn += n;
    else this.bytesOut += n;
    if (this.counters) this.counters[this.at + (toServer ? 0 : 1)] = toServer ? this.bytesIn : this.bytesOut;
    reclaimReadBuffers(n);
    const to = toServer ? this.upstream : this.client;
    const data = new Uint8Array(buffer, this.b.readOffset(), n);
    const req = this.b.newWriteReq() as RelayWriteReq;
    req.handle = to;
    req.oncomplete = onWritten;
    req.source = from;
    if (to.writeBuffer(req, data) !== 0) return this.fail();
    if (!this.b.lastWriteWasAsync()) return;
    req.buffer = data;
    if (from.readStop() !== 0) this.fail();
  }

  /** `from` sent FIN: half-close the other side once what was written to it is out. */
  relayEnd(from: RelayHandle): void {
    const req = this.b.newShutdownReq();
    const to: RelayHandle = from === this.client ? this.upstream : this.client;
    to.shutting = true;
    req.handle = to;
    req.oncomplete = onShutdown;
    const status = req.handle.shutdown(req);
    // 1: finished at once (nothing was queued); ENOTCONN: that side is gone already, nothing to half-close.
    if (status === 1 || status === this.b.enotconn) this.shutDown(to, 0);
    else if (status !== 0) this.fail();
  }

  shutDown(side: RelayHandle, status: number): void {
    // Half-closed now: libuv resets it again if the other side breaks later.
    side.shutting = false;
    if (this.done) return;
    if (status < 0 && status !== this.b.enotconn) return this.fail();
    if (++this.ended === 2) this.finish(false);
  }

  written(req: RelayWriteReq, status: number): void {
    if (this.done) return;
    if (status < 0 || req.source.readStart() !== 0) this.fail();
  }
}

function onRead(this: RelayHandle, buffer: ArrayBuffer | undefined): void {
  const relay = this.relay;
  if (!relay) return;
  const n = relay.b.readBytes();
  if (n > 0 && buffer) return relay.relayData(this, buffer, n);
  if (n === 0) return;
  if (n === relay.b.eof) return relay.relayEnd(this);
  relay.fail();
}

function onWritten(this: RelayWriteReq, status: number): void {
  this.buffer = undefined;
  (this.handle as RelayHandle).relay?.written(this, status);
}

function onShutdown(this: ShutdownReq, status: number): void {
  const side = this.handle as RelayHandle;
  side.relay?.shutDown(side, status);
}

function ignoreRead(): void {}
