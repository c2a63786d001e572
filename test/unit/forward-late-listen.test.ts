import t from "tap";
import { DEFAULT_FORWARD_OPTIONS } from "../../src/forward/forward-options.ts";
import { createHostResolver } from "../../src/forward/resolve-host.ts";
import { ServerPool } from "../../src/forward/server-pool.ts";
import { startTcpForwarder } from "../../src/forward/tcp-forwarder.ts";
import type { TcpListener, TcpPath } from "../../src/forward/tcp-path.ts";
import { createLogger } from "../../src/log/logger.ts";

// A port busy at boot is listened on again every check interval. Each listen is awaited: a forwarder closed
// while one is under way must close what it opens, not leave the port open behind a closed forwarder.

// The forwarder's retry timer does not hold the process up (unref): this does, while the tests wait for it.
const keepAlive = setInterval(() => {}, 60_000);
t.teardown(() => clearInterval(keepAlive));

const busy = Object.assign(new Error("listen EADDRINUSE 127.0.0.1:7000"), { code: "EADDRINUSE", errno: -98, syscall: "listen" });

/** A TcpPath whose first listen fails (busy) and whose second waits until the test hands it a listener. */
function lateListenPath() {
  let release: (l: TcpListener) => void = () => {};
  let secondListen: () => void = () => {};
  const secondCalled = new Promise<void>((r) => (secondListen = r));
  let calls = 0;
  const path: TcpPath<unknown, unknown> = {
    listen: () => {
      calls += 1;
      if (calls === 1) return Promise.resolve(busy);
      secondListen();
      return new Promise((r) => (release = r));
    },
    dial: () => () => {},
    relay: () => {
      throw new Error("no connection in this test");
    },
    reset: () => {},
    close: () => {},
  };
  return { path, secondCalled, release: (l: TcpListener) => release(l), calls: () => calls };
}

function listener() {
  let closes = 0;
  return { listener: { close: (done: () => void) => (closes++, done()) } satisfies TcpListener, closes: () => closes };
}

async function start(path: TcpPath<unknown, unknown>, onLateListen: () => void) {
  const log = createLogger("forward");
  const pool = new ServerPool("7000/tcp", ["127.0.0.2"], 7000, log, 3, 3);
  return startTcpForwarder(7000, pool, createHostResolver(10_000), { ...DEFAULT_FORWARD_OPTIONS, checkIntervalMs: 5 }, path, onLateListen);
}

t.test("closed while a late listen is under way: the listener it opens is closed at once", async (t) => {
  const late = lateListenPath();
  let lateListens = 0;
  const forwarder = await start(late.path, () => (lateListens += 1));
  t.equal(forwarder.listenError, "address already in use (EADDRINUSE)", "busy at boot");
  await late.secondCalled;
  await forwarder.close();
  const l = listener();
  late.release(l.listener);
  // The listen's continuation runs after this resolution: wait for it through the same queue.
  await new Promise((r) => setImmediate(r));
  t.equal(l.closes(), 1, "the late listener was closed");
  t.equal(lateListens, 0, "no 'listening now' line for a closed forwarder");
  t.equal(late.calls(), 2, "no listen after the close");
});

t.test("a late listen that completes: the forwarder listens, says so once, and closes it at close", async (t) => {
  const late = lateListenPath();
  let lateListens = 0;
  const forwarder = await start(late.path, () => (lateListens += 1));
  await late.secondCalled;
  const l = listener();
  late.release(l.listener);
  await new Promise((r) => setImmediate(r));
  t.equal(forwarder.listenError, undefined, "listening now");
  t.equal(lateListens, 1);
  t.equal(forwarder.status().listening, true);
  await forwarder.close();
  t.equal(l.closes(), 1, "closed with the forwarder");
});
