// DockerEngine.follow against a Docker API on a unix socket whose wait for a container's removal is lost (the
// connection dropped, as when the daemon restarts with live-restore and its containers run on): that is no exit.
// The container is looked at again: still there, it is followed anew; gone, its exit is reported.
import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import t from "tap";
import { EXIT_AFTER_OUTPUT_MS } from "../../src/controller/watch-container.ts";
import { serveDockerApi } from "../helpers/docker-api-socket.ts";

const ID = "c0ffee".repeat(10) + "abcd";

/** One frame of Docker's multiplexed stream (no TTY): stdout, its length, the bytes. */
function frame(text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = 1;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * A daemon whose container prints `lines` and runs until the test answers its wait; `inspect` decides what an
 * inspection answers (200: the container is there, 404: gone). Each request is emitted as "request" with its
 * method and path, and the open wait and logs responses are kept for the test to answer or drop.
 */
async function daemon(t: { teardown(fn: () => unknown): void }, inspect: () => number, wait: "hold" | "gone" | "reset-first" = "hold", logs: "stream" | "refused" = "stream") {
  let waits = 0;
  const open = { waits: [] as ServerResponse[], logs: [] as ServerResponse[] };
  const api = await serveDockerApi(t, (req: IncomingMessage, res: ServerResponse) => {
    const line = `${req.method} ${(req.url ?? "/").replace(/^\/v[\d.]+/, "").replace(/\?.*/, "")}`;
    req.resume();
    api.server.emit("call", line);
    if (/^POST \/containers\/\w+\/wait$/.test(line)) {
      if (wait === "reset-first" && ++waits === 1) return void req.socket.destroy();
      if (wait === "gone") return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: `No such container: ${ID}` }));
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return void open.waits.push(res);
    }
    if (/^GET \/containers\/\w+\/logs$/.test(line)) {
      if (logs === "refused") return void res.writeHead(501, { "content-type": "application/json" }).end(JSON.stringify({ message: "configured logging driver does not support reading" }));
      res.writeHead(200, { "content-type": "application/vnd.docker.multiplexed-stream" });
      res.write(frame("Listening for Jobs\n"));
      return void open.logs.push(res);
    }
    if (/^GET \/containers\/\w+\/json$/.test(line)) {
      const status = inspect();
      return void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(status === 200 ? { Id: ID, State: { Running: true } } : { message: `No such container: ${ID}` }));
    }
    res.writeHead(404).end();
  });
  return { ...api, open };
}

function watcher() {
  const seen = { lines: [] as string[], exits: [] as (number | undefined)[], lost: [] as string[] };
  return { seen, watcher: { onLine: (l: string) => seen.lines.push(l), onExit: (c: number | undefined) => seen.exits.push(c), onLost: (why: string) => seen.lost.push(why) } };
}

t.test("a wait lost while the container runs on: no exit; followed anew, its real exit later reported", async (t) => {
  const d = await daemon(t, () => 200);
  const { seen, watcher: w } = watcher();
  const unwatch = d.engine.follow(ID, w);
  t.teardown(unwatch);
  while (d.open.waits.length < 1 || d.open.logs.length < 1) await once(d.server, "call");
  // The daemon goes away: both connections drop.
  d.open.waits[0]?.socket?.destroy();
  d.open.logs[0]?.socket?.destroy();
  // Looked at again, then followed anew: a second wait and a second logs request.
  while (d.open.waits.length < 2 || d.open.logs.length < 2) await once(d.server, "call");
  t.same(seen.exits, [], "no exit for the lost wait");
  t.equal(seen.lost.length, 1, "the loss said once");
  // Now it really ends: its output ends and the wait answers.
  d.open.logs[1]?.end();
  d.open.waits[1]?.end(JSON.stringify({ StatusCode: 0 }));
  while (seen.exits.length === 0) await new Promise((r) => setImmediate(r));
  t.same(seen.exits, [0], "the real exit, with its code");
  t.ok(seen.lines.filter((l) => l === "Listening for Jobs").length >= 1, "its output");
});

t.test("a wait request whose connection is reset before an answer: no exit; followed anew", async (t) => {
  const d = await daemon(t, () => 200, "reset-first");
  const { seen, watcher: w } = watcher();
  const unwatch = d.engine.follow(ID, w);
  t.teardown(unwatch);
  while (d.open.waits.length < 1 || d.open.logs.length < 2) await once(d.server, "call");
  t.same(seen.exits, [], "no exit");
  t.equal(seen.lost.length, 1, "the loss said once");
  d.open.logs[1]?.end();
  d.open.waits[0]?.end(JSON.stringify({ StatusCode: 3 }));
  while (seen.exits.length === 0) await new Promise((r) => setImmediate(r));
  t.same(seen.exits, [3]);
});

t.test("a wait lost and the container gone when looked at: its exit is reported, code unknown", async (t) => {
  let inspections = 0;
  const d = await daemon(t, () => (++inspections === 1 ? 503 : 404));
  const { seen, watcher: w } = watcher();
  const unwatch = d.engine.follow(ID, w);
  t.teardown(unwatch);
  while (d.open.waits.length < 1 || d.open.logs.length < 1) await once(d.server, "call");
  d.open.waits[0]?.socket?.destroy();
  d.open.logs[0]?.end();
  while (seen.exits.length === 0) await new Promise((r) => setTimeout(r, 10));
  t.same(seen.exits, [undefined]);
  t.equal(inspections, 2, "a daemon not answering yet (503) is asked again");
  t.equal(d.open.waits.length, 1, "not followed again");
});

t.test("a wait answered 404 (gone before the wait arrived): the exit at once, nothing looked at again", async (t) => {
  const d = await daemon(t, () => 200, "gone");
  const { seen, watcher: w } = watcher();
  const calls: string[] = [];
  d.server.on("call", (l: string) => calls.push(l));
  const unwatch = d.engine.follow(ID, w);
  t.teardown(unwatch);
  while (d.open.logs.length < 1) await once(d.server, "call");
  d.open.logs[0]?.end();
  while (seen.exits.length === 0) await new Promise((r) => setTimeout(r, 10));
  t.same(seen.exits, [undefined]);
  t.same(seen.lost, [], "not a loss");
  t.notOk(calls.some((c) => / \/containers\/\w+\/json$/.test(c)), "not inspected");
});

t.test("a daemon that gives no output (logging nowhere): no loss, no looking again, the exit when it comes", async (t) => {
  const d = await daemon(t, () => 200, "hold", "refused");
  const { seen, watcher: w } = watcher();
  const calls: string[] = [];
  d.server.on("call", (l: string) => calls.push(l));
  const unwatch = d.engine.follow(ID, w);
  t.teardown(unwatch);
  while (d.open.waits.length < 1) await once(d.server, "call");
  // Longer than the engine waits after output ends before it looks at the container, and than a first look again.
  await new Promise((r) => setTimeout(r, EXIT_AFTER_OUTPUT_MS + 2000));
  t.same(seen.lost, [], "not taken for a dropped connection");
  t.notOk(calls.some((c) => / \/containers\/\w+\/json$/.test(c)), "not inspected");
  d.open.waits[0]?.end(JSON.stringify({ StatusCode: 0 }));
  while (seen.exits.length === 0) await new Promise((r) => setImmediate(r));
  t.same(seen.exits, [0]);
});
