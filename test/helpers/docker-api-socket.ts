import { createServer, type RequestListener, type Server } from "node:http";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerEngine } from "../../src/controller/docker-engine.ts";

/**
 * A stand-in for the Docker Engine API on a unix socket, answering with `handler`, and a DockerEngine (dockerode)
 * talking to it; closed at the end of the test, open connections too.
 */
export async function serveDockerApi(t: { teardown(fn: () => unknown): void }, handler: RequestListener): Promise<{ engine: DockerEngine; server: Server }> {
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-docker-api-"));
  const socket = join(dir, "docker.sock");
  const server = createServer(handler);
  server.listen(socket);
  await once(server, "listening");
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { engine: new DockerEngine(new Docker({ socketPath: socket })), server };
}
