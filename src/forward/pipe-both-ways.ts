import type { Socket } from "node:net";
import { reclaimReadBuffers } from "./reclaim-read-buffers.ts";
import { resetSocket } from "./reset-socket.ts";

/**
 * Copies one direction. Reading pauses while the destination's buffer is
 * full, so a slow reader holds at most one buffer of data here (the kernel
 * queues the rest). End of input becomes a half-close of the destination.
 */
function pipeOneWay(src: Socket, dst: Socket): void {
  src.on("data", (chunk: Buffer) => {
    reclaimReadBuffers(chunk.length);
    if (!dst.write(chunk)) src.pause();
  });
  dst.on("drain", () => src.resume());
  src.on("end", () => dst.end());
}

/**
 * Relays two connected sockets (both created with allowHalfOpen) until both
 * are closed, then calls `closed` once. A reset on one side resets the other;
 * a clean close lets the other side flush first.
 */
export function pipeBothWays(a: Socket, b: Socket, closed: () => void): void {
  pipeOneWay(a, b);
  pipeOneWay(b, a);
  let open = 2;
  const onClose = (self: Socket, other: Socket) => (hadError: boolean) => {
    // Closed without receiving FIN (error, or destroyed): nothing more will come, cut the peer.
    if ((hadError || !self.readableEnded) && !other.destroyed) {
      if (hadError) resetSocket(other);
      else other.destroy();
    }
    if (--open === 0) closed();
  };
  a.once("close", onClose(a, b));
  b.once("close", onClose(b, a));
  // Errors arrive as close(hadError); without a listener they would throw.
  a.on("error", ignore);
  b.on("error", ignore);
}

function ignore(): void {}
