import { createServer, type Server } from "node:http";

/**
 * Just enough of the Docker Engine API on a unix socket for a controller
 * that starts nothing: its version, and an empty container list. For tests
 * that spawn `ci-runner controller` (DOCKER_HOST=unix://<socket>).
 */
export async function startMinimalDockerApi(socket: string): Promise<{ requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").replace(/^\/v[\d.]+/, "").split("?")[0];
    requests.push(`${req.method} ${path}`);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && path === "/version") return json(200, { Version: "fake-1.0", ApiVersion: "1.41" });
    if (req.method === "GET" && path === "/containers/json") return json(200, []);
    json(404, { message: `the minimal fake engine has no ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  return { requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
