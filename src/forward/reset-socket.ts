import type { Socket } from "node:net";

/**
 * Resets a connected net.Socket (its peer sees ECONNRESET), or destroys it
 * (a close) while its own half-close (end()) is under way, past the data it
 * still had to write (until then no shutdown is queued, and a reset works). libuv refuses a
 * reset while a shutdown is queued (uv_tcp_close_reset: UV_EINVAL), and Node
 * (20 and 24, TCPWrap::Reset) marks the handle closing all the same without
 * closing it: its descriptor stays open for good, and at exit the process
 * never ends (Environment::CleanupHandles waits for that close, turning the
 * empty event loop forever at 100% CPU).
 */
export function resetSocket(socket: Socket): void {
  // Ended, all written, not finished: the shutdown is queued (Node shuts down once the buffer is empty).
  if (socket.writableEnded && !socket.writableFinished && socket.writableLength === 0) socket.destroy();
  else socket.resetAndDestroy();
}
