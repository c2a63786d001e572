import { mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { DEFAULT_FORWARD_OPTIONS } from "../../src/forward/forward-options.ts";
import { handlePath } from "../../src/forward/handle-path.ts";
import { createHostResolver } from "../../src/forward/resolve-host.ts";
import { ServerPool } from "../../src/forward/server-pool.ts";
import { tcpBindings } from "../../src/forward/tcp-handles.ts";
import { startTcpForwarder } from "../../src/forward/tcp-forwarder.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { freePort, taggedServer, waitFor } from "../fixtures/forward/net-helpers.ts";

// The handle path's second thread (relay-worker.ts): which connections it takes, that their bytes are
// counted on the port, and that stopping it closes them. The TCP behaviour tests (forward-tcp, -failover,
// -memory) run every connection on it too (TCP_PATHS).

const b = tcpBindings();
if (typeof b === "string") throw new Error(`this Node's TCP handles do not fit: ${b}`);

interface Client {
  socket: Socket;
  /** Everything received so far. */
  got: () => string;
  closed: Promise<void>;
}

function open(port: number): Client {
  const socket = connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString()));
  socket.on("error", () => {});
  return { socket, got: () => got, closed: new Promise((resolve) => socket.once("close", () => resolve())) };
}

async function started(t: Test, relayThreads = 2) {
  const lines: string[] = [];
  t.teardown(setLogSink((line) => lines.push(line)));
  const upstreamPort = await freePort();
  const upstream = await taggedServer("127.0.0.2", upstreamPort, "up");
  t.teardown(() => upstream.kill());
  const log = createLogger("forward");
  const path = handlePath(b as Exclude<typeof b, string>, { relayThreads }, log);
  const pool = new ServerPool(`${upstreamPort}/tcp`, ["127.0.0.2"], upstreamPort, log, 3, 3);
  const forwarder = await startTcpForwarder(upstreamPort, pool, createHostResolver(10_000), DEFAULT_FORWARD_OPTIONS, path);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await forwarder.close();
    await path.stop?.();
  };
  t.teardown(stop);
  return { port: upstreamPort, path, forwarder, stop, lines };
}

/** Opens a connection and waits until it is relayed (the server's first line came through). */
async function relayed(port: number): Promise<Client> {
  const c = open(port);
  await waitFor(c.got, (g) => g.startsWith("up\n"));
  return c;
}

t.test("the first connection stays on the main thread; later ones go to the thread relaying fewer", async (t) => {
  const { port, path, forwarder, lines } = await started(t);
  const clients: Client[] = [];
  const onThread: number[] = [];
  for (let i = 0; i < 5; i++) {
    clients.push(await relayed(port));
    // The relay thread starts at the second connection at once; connections stay here until it is up.
    if (i === 1) t.equal(await path.threads()[0]?.started, true, "the relay thread started");
    onThread.push(path.threads()[0]?.active ?? 0);
  }
  t.same(onThread, [0, 0, 1, 2, 2], "connections on the relay thread after each one opened");

  // Each connection echoes what it sends, whichever thread relays it.
  clients.forEach((c, i) => c.socket.write(`hello ${i}\n`));
  for (const [i, c] of clients.entries()) t.equal(await waitFor(c.got, (g) => g.includes(`hello ${i}\n`)), `up\nhello ${i}\n`, `connection ${i} echoes`);
  const sent = clients.reduce((n, _, i) => n + `hello ${i}\n`.length, 0);
  const live = forwarder.status();
  t.equal(live.active, 5);
  t.equal(live.bytesIn, sent, "bytes sent so far are counted on the port, the thread's included");
  t.equal(live.bytesOut, sent + 5 * "up\n".length);

  for (const c of clients) c.socket.end();
  await Promise.all(clients.map((c) => c.closed));
  const after = await waitFor(() => forwarder.status(), (s) => s.active === 0);
  t.equal(after.active, 0, "every connection ended");
  t.equal(path.threads()[0]?.active, 0);
  t.equal(after.bytesIn, sent, "the ended connections' bytes stay counted");
  t.equal(after.bytesOut, sent + 5 * "up\n".length);
  t.same(
    lines.filter((l) => /warn|error/.test(l)),
    [],
    "no warning",
  );
});

t.test("stopping closes the connections on the relay thread", async (t) => {
  const { port, path, stop } = await started(t);
  const clients = [await relayed(port), await relayed(port)];
  t.equal(await path.threads()[0]?.started, true, "the relay thread started");
  clients.push(await relayed(port), await relayed(port));
  const thread = path.threads()[0];
  t.equal(thread?.active, 2, "two connections on the relay thread");
  await stop();
  await Promise.all(clients.map((c) => c.closed));
  t.pass("every client saw its connection close");
  t.equal(thread?.active, 0);
});

t.test("FORWARD_THREADS=1 (the default): every connection on the main thread, no thread started", async (t) => {
  const { port, path, forwarder } = await started(t, 1);
  const clients = [await relayed(port), await relayed(port), await relayed(port)];
  t.equal(forwarder.status().active, 3);
  t.same(path.threads(), [], "no relay thread");
  for (const c of clients) c.socket.end();
  await Promise.all(clients.map((c) => c.closed));
});

t.test("a relay thread that cannot start: one warning, and every connection is relayed on the main thread", async (t) => {
  // No temporary directory for the thread's pipe.
  const gone = join(mkdtempSync(join(tmpdir(), "relay-")), "gone");
  const before = process.env.TMPDIR;
  process.env.TMPDIR = gone;
  t.teardown(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  });
  const { port, path, forwarder, lines } = await started(t, 2);
  const clients = [await relayed(port), await relayed(port)];
  const warned = await waitFor(
    () => lines.filter((l) => l.includes("FORWARD_THREADS: a TCP relay thread")),
    (w) => w.length > 0,
  );
  t.equal(warned.length, 1, "one warning");
  t.match(warned[0] ?? "", ` warning: FORWARD_THREADS: a TCP relay thread could not start (ENOENT: no such file or directory, mkdtemp '${gone}/ci-runner-relay-XXXXXX'); TCP is relayed on the threads running`);
  clients.push(await relayed(port), await relayed(port));
  clients.forEach((c, i) => c.socket.write(`hi ${i}\n`));
  for (const [i, c] of clients.entries()) t.equal(await waitFor(c.got, (g) => g.includes(`hi ${i}\n`)), `up\nhi ${i}\n`, `connection ${i} relayed`);
  t.same(path.threads(), [], "no relay thread left");
  t.equal(forwarder.status().active, 4);
  for (const c of clients) c.socket.end();
  await Promise.all(clients.map((c) => c.closed));
});
