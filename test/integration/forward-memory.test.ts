import t from "tap";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { freePort, TCP_PATHS } from "../fixtures/forward/net-helpers.ts";

// 1 GiB takes about 5-10 s here on 2 shared cores; FORWARD_MEMORY_TEST_MB shrinks it on slower machines.
const TOTAL = Number(process.env.FORWARD_MEMORY_TEST_MB ?? 1024) * 1024 * 1024;
const BOUND = 64 * 1024 * 1024;
const forwarder = fileURLToPath(new URL("../fixtures/forward/forwarder.ts", import.meta.url));

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Sends `bytes` through 127.0.0.1:port, honouring backpressure itself, and half-closes. */
function send(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    let sent = 0;
    const c: Socket = connect(port, "127.0.0.1", () => {
      const pump = (): void => {
        while (sent < bytes) {
          sent += chunk.length;
          if (!c.write(chunk)) return void c.once("drain", pump);
        }
        c.end();
      };
      pump();
    });
    c.on("error", reject);
    c.resume();
    c.on("close", () => resolve());
  });
}

for (const path of TCP_PATHS) {
  t.test(`${path.name}: a transfer through a slow reader keeps the forwarder's memory bounded`, async (t) => {
    const port = await freePort();
    // The slow reader: stops for 5 ms after each MiB, so the sender outpaces it and backpressure must hold.
    let received = 0;
    const done: ((n: number) => void)[] = [];
    const sink = createServer((s) => {
      let n = 0;
      let sinceBreak = 0;
      s.on("data", (d: Buffer) => {
        n += d.length;
        sinceBreak += d.length;
        if (sinceBreak >= 1024 * 1024) {
          sinceBreak = 0;
          s.pause();
          setTimeout(() => s.resume(), 5);
        }
      });
      s.on("end", () => {
        s.end();
        if (n === 0) return; // the forwarder's health check
        received = n;
        for (const f of done.splice(0)) f(n);
      });
    });
    await new Promise<void>((r) => sink.listen(port, "127.0.0.2", r));
    t.teardown(() => new Promise((r) => sink.close(r)));

    const child = spawn(process.execPath, ["--import=tsx", forwarder], {
      env: { ...process.env, FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}`, TEST_PORTABLE_TCP: path.portable ? "1" : "0",
        ...("relayThreads" in path.options && { FORWARD_THREADS: String(path.options.relayThreads), TEST_RELAY_THREADS_ONLY: "1" }),
        ...("spliceTcp" in path.options && { TEST_SPLICE_TCP: "0" }),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    t.teardown(() => void child.kill("SIGTERM"));
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => (out += d.toString()).includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`forwarder exited with ${code}`)));
    });
    t.equal(out.includes("TCP is relayed on net.Sockets"), path.portable, `relayed on ${path.name}`);
    const pid = child.pid ?? 0;

    // Warm up (JIT, first buffers) before taking the baseline.
    await send(port, 64 * 1024 * 1024);
    const baseline = rss(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
    const finished = new Promise<number>((r) => done.push(r));
    await send(port, TOTAL);
    const n = await finished;
    clearInterval(sampler);
    peak = Math.max(peak, rss(pid));

    t.equal(n, TOTAL, "every byte arrived");
    t.equal(received, TOTAL);
    t.ok(peak - baseline < BOUND, `RSS grew by ${((peak - baseline) / 1048576).toFixed(1)} MiB (bound 64 MiB; baseline ${(baseline / 1048576).toFixed(0)} MiB)`);
  });
}
