// DockerEngine.start against a Docker API on a unix socket that stops answering at one step of a container's
// launch (a stuck daemon): the launch is given up at its deadline with the container removed, never left
// created and waiting, whichever step hung.
import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import t from "tap";
import type { RunnerContainerSpec } from "../../src/controller/container-engine.ts";
import { serveDockerApi } from "../helpers/docker-api-socket.ts";

const ID = "c0ffee".repeat(10) + "abcd";
const spec: RunnerContainerSpec = { name: "runner-1", image: "ci-runner:test", labels: {}, env: {}, secretFiles: {}, binds: [], network: undefined, privileged: false, runtime: undefined };
const watcher = { onLine: () => {}, onExit: () => {} };

/** The steps of a launch, as the engine's requests: each answers at once unless it is the one that hangs. */
const STEPS = {
  "the JIT config's upload": /^PUT \/containers\/\w+\/archive/,
  "the attach": /^POST \/containers\/\w+\/attach/,
  "the start": /^POST \/containers\/\w+\/start/,
} as const;

async function stuckApi(t: { teardown(fn: () => unknown): void }, hangs: RegExp) {
  const api = await serveDockerApi(t, (req: IncomingMessage, res: ServerResponse) => {
    const line = `${req.method} ${(req.url ?? "/").replace(/^\/v[\d.]+/, "")}`;
    req.resume();
    if (hangs.test(line)) return void api.server.emit("hung", line);
    if (/^POST \/containers\/create/.test(line)) return void res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ Id: ID }));
    if (/^POST \/containers\/\w+\/attach/.test(line)) return void res.writeHead(200, { "content-type": "application/vnd.docker.raw-stream" }).write("");
    // The wait answers when the container is removed: never here.
    if (/^POST \/containers\/\w+\/wait/.test(line)) return;
    if (/^DELETE \/containers\//.test(line)) api.server.emit("removed", line);
    res.writeHead(/^PUT /.test(line) ? 200 : 204).end();
  });
  return api;
}

t.test("a daemon that stops answering after the creation, the removal too: the launch still ends at its deadline", async (t) => {
  const api = await stuckApi(t, /^(PUT |POST \/containers\/\w+\/(attach|start)|DELETE )/);
  const deadline = new AbortController();
  const hung: string[] = [];
  api.server.on("hung", (line: string) => hung.push(line));
  const started = api.engine.start(spec, "eyJqaXQiOiJjb25maWcifQ==", watcher, deadline.signal);
  await once(api.server, "hung");
  deadline.abort();
  await t.rejects(started, /the deadline passed/);
  // The removal was asked for, and is left to the daemon (and to the next reconciliation).
  while (!hung.some((l) => l.startsWith("DELETE "))) await once(api.server, "hung");
  t.pass("the removal was asked for without being waited on");
});

for (const [step, hangs] of Object.entries(STEPS)) {
  t.test(`${step} never answered: the launch is given up at its deadline and the container removed`, async (t) => {
    const api = await stuckApi(t, hangs);
    const deadline = new AbortController();
    const removed = once(api.server, "removed");
    const started = api.engine.start(spec, "eyJqaXQiOiJjb25maWcifQ==", watcher, deadline.signal);
    await once(api.server, "hung");
    deadline.abort();
    await t.rejects(started, /the deadline passed/);
    const [line] = (await removed) as [string];
    t.match(line, new RegExp(`^DELETE /containers/${ID}\\?.*force=true`), "the created container is removed");
  });
}
