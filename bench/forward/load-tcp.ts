import { connect, type Socket } from "node:net";

/** The q-th quantile of samples (sorts a copy). */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Round trips (to host:port) of `size`-byte messages on one connection for `ms`: each one's time in microseconds. */
export async function roundTrips(host: string, port: number, ms: number, size = 64): Promise<number[]> {
  const samples = new Float64Array(1_000_000);
  let n = 0;
  const msg = Buffer.alloc(size, 120);
  const c: Socket = connect({ port, host, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    c.once("connect", resolve);
    c.once("error", reject);
  });
  const until = performance.now() + ms;
  await new Promise<void>((resolve, reject) => {
    let got = 0;
    let t0 = performance.now();
    c.on("data", (d: Buffer) => {
      got += d.length;
      if (got < size) return;
      got -= size;
      const now = performance.now();
      if (n < samples.length) samples[n++] = (now - t0) * 1000;
      if (now >= until) return resolve();
      t0 = now;
      c.write(msg);
    });
    c.on("error", reject);
    c.write(msg);
  });
  c.destroy();
  return Array.from(samples.subarray(0, n));
}

/** `concurrency` loops of connect + one 16-byte round trip + close, for `ms`: how many completed, in how many seconds. */
export async function connectionRate(host: string, port: number, ms: number, concurrency = 8): Promise<{ done: number; seconds: number; errors: number }> {
  const msg = Buffer.alloc(16, 120);
  const start = performance.now();
  const until = start + ms;
  let done = 0;
  let errors = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const c = connect({ port, host, noDelay: true }, () => c.write(msg));
      let got = 0;
      c.on("data", (d: Buffer) => {
        got += d.length;
        if (got >= msg.length) {
          done += 1;
          c.destroy();
        }
      });
      c.on("error", () => {
        errors += 1;
      });
      c.on("close", () => resolve());
    });
  const loop = async (): Promise<void> => {
    while (performance.now() < until) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { done, seconds: (performance.now() - start) / 1000, errors };
}
