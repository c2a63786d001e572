// DockerEngine's side of a pull against a Docker API on a unix socket: each
// progress message reaches the caller, and an abort ends the request (the
// daemon cancels a pull whose client left).
import type { Server, ServerResponse } from "node:http";
import { once } from "node:events";
import t from "tap";
import type { DockerEngine } from "../../src/controller/docker-engine.ts";
import { serveDockerApi } from "../helpers/docker-api-socket.ts";

interface PullApi {
  readonly engine: DockerEngine;
  /** Emits "pull" with the response of each pull request. */
  readonly server: Server;
}

async function pullApi(t: { teardown(fn: () => unknown): void }): Promise<PullApi> {
  const api = await serveDockerApi(t, (req, res) => {
    if (req.method !== "POST" || !/\/images\/create/.test(req.url ?? "")) return void res.writeHead(404).end("{}");
    res.writeHead(200, { "content-type": "application/json" });
    api.server.emit("pull", res);
  });
  return api;
}

t.test("each progress message reaches the caller; the end of the stream ends the pull", async (t) => {
  const api = await pullApi(t);
  let progress = 0;
  const pulled = api.engine.pull("big:1", () => void progress++, new AbortController().signal);
  const [res] = (await once(api.server, "pull")) as [ServerResponse];
  for (let i = 0; i < 3; i++) res.write(`${JSON.stringify({ status: "Downloading", id: "layer", progressDetail: { current: i, total: 3 } })}\n`);
  res.end(`${JSON.stringify({ status: "Status: Downloaded newer image for big:1" })}\n`);
  await pulled;
  t.ok(progress >= 3, `progress reported (${progress} messages)`);
});

t.test("an abort ends the request and rejects with its reason", async (t) => {
  const api = await pullApi(t);
  const abort = new AbortController();
  const pulled = api.engine.pull("big:1", () => undefined, abort.signal);
  const [res] = (await once(api.server, "pull")) as [ServerResponse];
  const closed = once(res, "close");
  abort.abort(new Error("pulling image big:1 made no progress"));
  await t.rejects(pulled, /made no progress/);
  await closed;
  t.pass("the request was closed");
});
