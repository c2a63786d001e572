import t from "tap";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { httpFetch } from "../../src/github/http-fetch.ts";

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

t.test("status, headers, JSON body, POST body, redirects", async (t) => {
  const { server, url } = await serve((req, res) => {
    if (req.url === "/moved") {
      res.writeHead(307, { location: "/echo" }).end();
      return;
    }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-ratelimit-remaining": "42" });
      res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
    });
  });
  t.teardown(() => new Promise((r) => server.close(r)));
  const res = await httpFetch(`${url}/moved`, { method: "POST", body: '{"a":1}', headers: { authorization: "Bearer x" } });
  t.equal(res.status, 201);
  t.equal(res.url, `${url}/echo`, "307 keeps the method and body");
  t.equal(res.headers.get("X-RateLimit-Remaining"), "42");
  t.ok([...res.headers].some(([k]) => k === "content-type"));
  t.same(await res.json(), { method: "POST", body: '{"a":1}', auth: "Bearer x" });
});

t.test("a refused connection rejects with the cause in the message", async (t) => {
  const { server, url } = await serve(() => {});
  await new Promise((r) => server.close(r));
  await t.rejects(httpFetch(`${url}/x`), /ECONNREFUSED/);
});
