import { spawn } from "node:child_process";

/** iperf3 client to host:port for `seconds` with `streams` parallel streams: received Gbit/s, or NaN if it failed. */
export function iperf3(host: string, port: number, seconds: number, streams: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("iperf3", ["-c", host, "-p", String(port), "-t", String(seconds), "-P", String(streams), "-J"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", () => {
      try {
        const json = JSON.parse(out) as { end?: { sum_received?: { bits_per_second?: number } } };
        resolve((json.end?.sum_received?.bits_per_second ?? NaN) / 1e9);
      } catch {
        resolve(NaN);
      }
    });
  });
}

/**
 * iperf3 UDP from host:port at `rate` datagrams/s of `size` bytes for
 * `seconds` (its control connection is TCP on the same port, so the
 * forwarder must forward both): datagrams the client sent and the server got.
 * Counted from bytes, not from iperf3's sequence numbers: through rinetd
 * those come out garbled (iperf3 then reports losses in the millions).
 */
export function iperf3Udp(host: string, port: number, seconds: number, rate: number, size: number): Promise<{ sent: number; got: number }> {
  const bits = rate * size * 8;
  return new Promise((resolve) => {
    // -w 4M: large socket buffers at both iperf3 ends, so that losses are the forwarder's.
    const args = ["-c", host, "-p", String(port), "-u", "-b", String(bits), "-l", String(size), "-w", "4M", "-t", String(seconds), "-J"];
    const child = spawn("iperf3", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", () => {
      try {
        const { end } = JSON.parse(out) as { end: { sum_sent: { packets: number }; sum_received: { bytes: number } } };
        resolve({ sent: end.sum_sent.packets, got: Math.round(end.sum_received.bytes / size) });
      } catch {
        resolve({ sent: 0, got: 0 });
      }
    });
  });
}

/** An iperf3 server on host:port (one test at a time, which is how the bench uses it). */
export function iperf3Server(host: string, port: number): () => void {
  const child = spawn("iperf3", ["-s", "-B", host, "-p", String(port)], { stdio: "ignore" });
  return () => child.kill("SIGTERM");
}
