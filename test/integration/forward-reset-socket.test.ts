import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import t, { type Test } from "tap";
import { resetSocket } from "../../src/forward/reset-socket.ts";

// resetSocket (src/forward/reset-socket.ts): a connection reset while its own half-close is under way must
// still close. Node marks such a socket's handle closing without closing it (libuv refuses the reset): its
// descriptor then stays open and, at exit, the process never ends. The forwarder's portable path and the
// test servers (taggedServer.kill) reset connections through it.

/** A connected pair on 127.0.0.1: `server` is the accepted side, which `onAccepted` gets first. */
async function pair(t: Test, onAccepted: (server: Socket) => void): Promise<{ client: Socket; server: Socket }> {
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
  const server = await accepted;
  return { client, server };
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
