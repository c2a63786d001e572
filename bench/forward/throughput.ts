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

/** An iperf3 server on host:port (one test at a time, which is how the bench uses it). */
export function iperf3Server(host: string, port: number): () => void {
  const child = spawn("iperf3", ["-s", "-B", host, "-p", String(port)], { stdio: "ignore" });
  return () => child.kill("SIGTERM");
}
