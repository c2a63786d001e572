// The splice(2) relay (src/forward/native/splice-relay.c) beyond what forward-tcp.test.ts runs on every path:
// that it is the one relaying by default, the descriptors it holds per connection and gives back however the
// connection ends, a receiver slower than the sender, and the fallback when it cannot start.
import t, { type Test } from "tap";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { spawn } from "node:child_process";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { createForwardPhase } from "../../src/forward/forward-phase.ts";
import { spliceAddon, spliceRelay, type SpliceAddon } from "../../src/forward/splice-relay.ts";
import { resetSocket } from "../../src/forward/reset-socket.ts";
import type { TcpHandle } from "../../src/forward/tcp-handles.ts";
import { forwardConfig, freePort, taggedServer, testContext, waitFor, waitForEveryCheck } from "../fixtures/forward/net-helpers.ts";

const stopReason = { kind: "signal", signal: "SIGTERM" } as const;
const forwarderFixture = fileURLToPath(new URL("../fixtures/forward/forwarder.ts", import.meta.url));

/**
 * The open pipes and sockets of process `pid`: what a relay holds. Not every descriptor: under tap the child also
 * runs tap's process-info hooks, which open and close files of their own.
 */
function descriptors(pid: number | string, port: number): { pipes: number; sockets: number } {
  const held = { pipes: 0, sockets: 0 };
  const ofPort = connectionSockets(pid, port);
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // readdir's own descriptor, closed by now
    }
    if (target.startsWith("pipe:")) held.pipes += 1;
    if (ofPort.has(target)) held.sockets += 1;
  }
  return held;
}

/**
 * The sockets of connections to or from `port` (not its listener): the relayed connection's two. Counted by
 * connection, not against a count taken at the start, which a socket of the forwarder's own still closing then
 * (its first health check's) would have set one too high.
 */
function connectionSockets(pid: number | string, port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const [local, remote, state, inode] = [f[1] ?? "", f[2] ?? "", f[3], f[9]];
    if (state === "0A" || inode === undefined || inode === "0") continue;
    if (local.endsWith(`:${hexPort}`) || remote.endsWith(`:${hexPort}`)) inodes.add(`socket:[${inode}]`);
  }
  return inodes;
}

/** The forwarder in a process of its own (its descriptors are only its own), health checks only at start. */
async function forwarderProcess(t: Test, port: number, env: Record<string, string>): Promise<{ pid: number; stopped: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import=tsx", forwarderFixture], {
    env: { ...process.env, FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}`, FORWARD_CHECK_INTERVAL_SEC: "3600", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stopped = new Promise<number | null>((r) => child.once("exit", r));
  t.teardown(() => void child.kill("SIGKILL"));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => (out += d.toString()).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`forwarder exited with ${code}`)));
  });
  return { pid: child.pid ?? 0, stopped };
}

async function forwarding(t: Test, port: number) {
  const { ctx, lines, restore } = testContext(forwardConfig({ FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }));
  t.teardown(restore);
  const phase = createForwardPhase(waitForEveryCheck);
  await phase.start(ctx);
  const stop = () => phase.stop?.(ctx, stopReason);
  t.teardown(stop);
  return { lines, stop };
}

/** A connection through the forwarder, its greeting read. */
async function greeted(port: number): Promise<Socket> {
  const c = connect(port, "127.0.0.1");
  c.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    c.once("data", () => resolve());
    c.once("error", reject);
  });
  return c;
}

const ended = (c: Socket) => new Promise<string>((resolve) => {
  c.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  c.on("close", () => resolve("close"));
});

t.test("the splice relay's addon is built and loads, and the forwarder says nothing about relaying in user space", async (t) => {
  const addon = spliceAddon();
  t.notOk("error" in addon, "error" in addon ? addon.error : "loaded");
  const port = await freePort();
  const up = await taggedServer("127.0.0.2", port);
  t.teardown(() => up.kill());
  const { lines } = await forwarding(t, port);
  // The addon is loaded with the first connection: one goes through before the log is read.
  const c = await greeted(port);
  c.destroy();
  t.same(lines.filter((l) => l.includes("user space")), []);
});

for (const [where, env] of [
  ["on the main thread", {}],
  ["on a relay thread (FORWARD_THREADS)", { FORWARD_THREADS: "2", TEST_RELAY_THREADS_ONLY: "1" }],
] as const) {
  t.test(`${where}: a relayed connection holds one pipe per direction, kept for the next; each way it ends gives back the rest`, async (t) => {
    const port = await freePort();
    const up = await taggedServer("127.0.0.2", port);
    t.teardown(() => up.kill());
    const forwarder = await forwarderProcess(t, port, env);
    const idle = descriptors(forwarder.pid, port);
    const settled = (want: { pipes: number; sockets: number }, why: string) =>
      waitFor(() => descriptors(forwarder.pid, port), (d) => d.pipes === want.pipes && d.sockets === want.sockets).then((d) => t.same(d, want, why));
    // Both sockets and two pipes (four descriptors) while relaying; once it ended the empty pipes stay for the next.
    const relaying = { pipes: idle.pipes + 4, sockets: 2 };
    const between = { pipes: idle.pipes + 4, sockets: 0 };

    // A clean end: the client half-closes, the echo server ends its side.
    let c = await greeted(port);
    // On a relay thread the main thread's copies of the two sockets close a moment after the hand-over.
    await settled(relaying, "two pipes and both sockets while relaying");
    let how = ended(c);
    c.end();
    t.equal(await how, "close");
    await settled(between, "the sockets given back after a clean end, the empty pipes kept");

    // The next connection takes the kept pipes; a reset from the client, then one from the server.
    c = await greeted(port);
    await settled(relaying, "the next connection relays on the kept pipes, no new ones");
    c.resetAndDestroy();
    await settled(between, "the sockets given back after the client's reset");
    c = await greeted(port);
    how = ended(c);
    await up.kill();
    t.equal(await how, "ECONNRESET");
    await settled(between, "the sockets given back after the server's reset");
  });
}

/** An echo server that resets a connection whose first byte is "K" (a server that dies mid-stream). */
async function echoServer(t: Test, port: number): Promise<void> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    let first = true;
    s.on("error", () => {});
    s.on("data", (d: Buffer) => {
      if (first && d[0] === 0x4b) return resetSocket(s);
      first = false;
      if (!s.write(d)) {
        s.pause();
        s.once("drain", () => s.resume());
      }
    });
    s.on("end", () => s.end());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.2", resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
}

/** One client of the churn: 0 sends and half-closes (resolves with whether its echo came back whole), 1 resets midway, 2 gets reset. */
function churnClient(port: number, i: number): Promise<boolean> {
  const kind = i % 3;
  const payload = Buffer.alloc(((i * 7919) % 200_000) + 1, i % 251);
  // "K" first only for the connections the server is to reset.
  payload[0] = kind === 2 ? 0x4b : 0x41;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const c = connect(port, "127.0.0.1", () => {
      if (kind === 1) c.write(payload.subarray(0, Math.ceil(payload.length / 2)));
      else c.end(payload);
    });
    c.on("data", (d: Buffer) => {
      chunks.push(d);
      if (kind === 1) c.resetAndDestroy();
    });
    c.on("error", () => {});
    c.on("close", () => resolve(kind !== 0 || Buffer.concat(chunks).equals(payload)));
  });
}

for (const [where, env] of [
  ["on the main thread", {}],
  ["on a relay thread (FORWARD_THREADS)", { FORWARD_THREADS: "2", TEST_RELAY_THREADS_ONLY: "1" }],
] as const) {
  t.test(`${where}: 150 connections at once, ending every way, leave no socket behind and at most the pool's pipes`, async (t) => {
    const port = await freePort();
    await echoServer(t, port);
    const forwarder = await forwarderProcess(t, port, env);
    const idle = descriptors(forwarder.pid, port);
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => churnClient(port, i)));
    t.same(results.flatMap((whole, i) => (whole ? [] : [i])), [], "every half-closing client got its bytes back whole");
    const after = await waitFor(() => descriptors(forwarder.pid, port), (d) => d.sockets === 0);
    t.equal(after.sockets, 0, "every connection's sockets closed");
    // Up to 64 empty pipes per thread stay for later connections (two descriptors each); none beyond.
    t.ok(after.pipes <= idle.pipes + 2 * 64, `pipe descriptors ${after.pipes}, at most ${idle.pipes} + 128 kept`);
    t.ok(await churnClient(port, 3), "and it relays the next connection");
  });
}

t.test("16 MiB each way through a receiver slower than its sender arrive whole", async (t) => {
  const port = await freePort();
  const up = await taggedServer("127.0.0.2", port, "up");
  t.teardown(() => up.kill());
  await forwarding(t, port);
  const payload = randomBytes(16 * 1024 * 1024);
  const c = connect(port, "127.0.0.1");
  const digest = createHash("sha256");
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    c.on("error", reject);
    c.on("end", resolve);
    // Reads in bursts: the echo's way back fills the pipe and the socket buffers, and the relay must wait.
    c.on("data", (d: Buffer) => {
      digest.update(received === 0 ? d.subarray(3) : d);
      received += d.length;
      c.pause();
      setImmediate(() => c.resume());
    });
  });
  c.end(payload);
  await done;
  t.equal(received, 3 + payload.length, "every byte came back (after the greeting)");
  t.equal(digest.digest("hex"), createHash("sha256").update(payload).digest("hex"), "in order, unchanged");
});

t.test("a relay the addon cannot start (no descriptors for its pipes) leaves both handles as they were", async (t) => {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;
  const [a, b] = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1")];
  t.teardown(() => (a.destroy(), b.destroy()));
  await Promise.all([a, b].map((s) => new Promise((r) => s.once("connect", r))));
  const handle = (s: Socket) => (s as unknown as { _handle: TcpHandle })._handle;
  const fd = (s: Socket) => (handle(s) as unknown as { fd: number }).fd;
  const calls: number[][] = [];
  const failing: SpliceAddon = {
    setup: () => t.fail("setup"),
    start: (clientFd, upstreamFd) => (calls.push([clientFd, upstreamFd]), -24), // EMFILE
    bytes: () => (t.fail("bytes of a relay that never started"), 0),
    stop: () => t.fail("stop on a relay that never started"),
    probe: () => 0,
  };
  t.equal(spliceRelay(failing, handle(a), handle(b), () => t.fail("closed on a relay that never started")), undefined);
  t.same(calls, [[fd(a), fd(b)]], "the addon was asked with both descriptors");
  // Still open and working: the caller relays them in user space.
  const echoed = new Promise<string>((resolve) => a.once("data", (d: Buffer) => resolve(d.toString())));
  a.write("still here");
  t.equal(await echoed, "still here");
});
