import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import t, { type Test } from "tap";
import { resetSocket } from "../../src/forward/reset-socket.ts";

// resetSocket (src/forward/reset-socket.ts): a connection reset while its own half-close is under way must
// still close. Node marks such a socket's handle closing without closing it (libuv refuses the reset): its
// descriptor then stays open and, at exit, the process never ends. The forwarder's portable path and the
// test servers (taggedServer.kill) reset connections through it.

/** A connected pair on 127.0.0.1: `server` is the accepted side, which `onAccepted` gets first. */
async function pair(t: Test, onAccepted: (server: Socket) => void): Promise<{ client: Socket; server: Socket; seen: { error?: string; ended: boolean } }> {
  const listener = createServer({ allowHalfOpen: true });
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  t.teardown(() => void listener.close());
  const accepted = new Promise<Socket>((resolve) =>
    listener.once("connection", (s: Socket) => {
      s.on("error", () => {});
      onAccepted(s);
      resolve(s);
    }),
  );
  const address = listener.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const client = connect({ port: address.port, host: "127.0.0.1", allowHalfOpen: true });
  // From the start: a reset may reach the client before its connect is reported.
  const seen: { error?: string; ended: boolean } = { ended: false };
  client.on("error", (err: NodeJS.ErrnoException) => (seen.error ??= err.code));
  client.on("end", () => (seen.ended = true));
  const server = await accepted;
  return { client, server, seen };
}

t.test("a connection reset while its half-close is under way closes (its descriptor too): the peer reads the end", async (t) => {
  let closed!: Promise<unknown>;
  const { client } = await pair(t, (s) => {
    // Emitted once Node's handle is closed; with a refused reset it never is.
    closed = once(s, "close");
    // end() queues the shutdown; libuv finishes it on a later turn of the loop, and refuses a reset until then.
    s.end();
    resetSocket(s);
  });
  client.resume();
  await Promise.all([closed, once(client, "end")]);
  t.pass("the socket closed, and the peer read the end of the data");
  client.destroy();
});

t.test("an open connection is reset: the peer sees ECONNRESET", async (t) => {
  const { client } = await pair(t, (s) => resetSocket(s));
  const [err] = (await once(client, "error")) as [NodeJS.ErrnoException];
  t.equal(err.code, "ECONNRESET");
});

t.test("a connection reset after end() while its data is still being written: the peer sees ECONNRESET, not a clean end of cut data", async (t) => {
  const { client, seen } = await pair(t, (s) => {
    // More than the socket buffers take at once: most of it waits in Node's buffer, no shutdown is queued yet.
    s.write(Buffer.alloc(32 * 1024 * 1024));
    s.end();
    resetSocket(s);
  });
  client.resume();
  // The reset closes it; a clean end instead would leave this half-open client open. Not events.once: it rejects on 'error'.
  if (!client.closed && !seen.ended) await new Promise((resolve) => (client.once("close", resolve), client.once("end", resolve)));
  t.equal(seen.error, "ECONNRESET");
  t.equal(seen.ended, false, "no end of data was read");
});
