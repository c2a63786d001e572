import { createSocket } from "node:dgram";

/**
 * Sends `size`-byte datagrams to host:port at `rate` per second for
 * `ms` from one client socket (paced in small bursts), returns how many were
 * sent. The caller counts what arrived upstream.
 */
export async function offerDatagrams(host: string, port: number, rate: number, ms: number, size = 128): Promise<number> {
  const sock = createSocket("udp4");
  sock.on("error", () => {});
  await new Promise<void>((r) => sock.connect(port, host, r));
  const msg = Buffer.alloc(size, 120);
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - start;
      if (elapsed >= ms) return resolve();
      const due = Math.floor((elapsed / 1000) * rate) - sent;
      for (let i = 0; i < due; i++) sock.send(msg);
      sent += Math.max(due, 0);
      // 1 ms pacing: bursts of rate/1000, like a statsd client flushing, without spinning a core.
      setTimeout(tick, 1);
    };
    tick();
  });
  await new Promise<void>((r) => sock.close(() => r()));
  return sent;
}
