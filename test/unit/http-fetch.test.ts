import t from "tap";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { getEventListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { createOctokit } from "../../src/github/github-client.ts";
import { RunnerApi } from "../../src/github/runner-api.ts";
import { httpFetch } from "../../src/http/http-fetch.ts";
import { httpOpen, MAX_BODY_BYTES } from "../../src/http/http-open.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";

type Handler = NonNullable<Parameters<typeof createServer>[1]>;

async function serve(t: { teardown(fn: () => unknown): void }, handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A server that records the headers it is sent and answers 200 "ok". */
async function recorder(t: { teardown(fn: () => unknown): void }) {
  const seen: IncomingHttpHeaders[] = [];
  const { url } = await serve(t, (req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end('{"runners":[],"total_count":0}');
  });
  return { seen, url };
}

const CREDENTIALS = {
  authorization: "Bearer ghp_secret",
  "x-amz-security-token": "aws-session-secret",
  "x-aws-ec2-metadata-token": "imds-secret",
  cookie: "session=secret",
};

t.test("status, headers, JSON body, POST body, a same-origin redirect keeps method, body and credentials", async (t) => {
  const { url } = await serve(t, (req, res) => {
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
  const res = await httpFetch(`${url}/moved`, { method: "POST", body: '{"a":1}', headers: { authorization: "Bearer x" } });
  t.equal(res.status, 201);
  t.equal(res.url, `${url}/echo`, "307 keeps the method and body");
  t.equal(res.headers.get("X-RateLimit-Remaining"), "42");
  t.ok([...res.headers].some(([k]) => k === "content-type"));
  t.same(await res.json(), { method: "POST", body: '{"a":1}', auth: "Bearer x" });
});

t.test("a redirect to another host (another port is another origin) gets no credential header", async (t) => {
  const other = await recorder(t);
  const { url } = await serve(t, (req, res) => res.writeHead(302, { location: `${other.url}/landed` }).end());
  const res = await httpFetch(`${url}/start`, { headers: { ...CREDENTIALS, "x-trace": "kept" } });
  t.equal(res.status, 200);
  t.equal(res.url, `${other.url}/landed`);
  t.equal(other.seen.length, 1);
  t.equal(other.seen[0]?.["x-trace"], "kept", "other headers follow the redirect");
  for (const name of Object.keys(CREDENTIALS)) t.notOk(other.seen[0]?.[name], `no ${name} for the other host`);
});

t.test("the GitHub token never reaches a host that GitHub's API redirects to", async (t) => {
  const other = await recorder(t);
  const api = await recorder(t);
  const { url } = await serve(t, (req, res) => res.writeHead(307, { location: `${other.url}${req.url ?? "/"}` }).end());
  const octokit = (base: string) => createOctokit(base, { kind: "pat", variable: "GH_TOKEN", token: "ghp_secretToken" });
  await new RunnerApi(octokit(api.url), "repos/o/r", { log: createLogger("t"), credentialVar: "GH_TOKEN" }).list();
  t.match(api.seen[0]?.authorization, /ghp_secretToken/, "the API itself gets the token (the assertion below can fail)");
  await new RunnerApi(octokit(url), "repos/o/r", { log: createLogger("t"), credentialVar: "GH_TOKEN" }).list();
  t.equal(other.seen.length, 1, "the redirect was followed");
  t.equal(other.seen[0]?.authorization, undefined);
  t.notMatch(JSON.stringify(other.seen), /ghp_secretToken/);
});

t.test("a redirect loop is given up after 5 hops, naming the host", async (t) => {
  let hops = 0;
  const { url } = await serve(t, (req, res) => {
    hops++;
    res.writeHead(302, { location: "/again" }).end();
  });
  await t.rejects(httpFetch(url), { name: "HttpLimitError", message: /^127\.0\.0\.1:\d+ redirected more than 5 times; not followed$/ });
  t.equal(hops, 6);
});

t.test("an answer over the size limit is one line naming the host; a larger explicit limit reads it", async (t) => {
  const big = Buffer.alloc(MAX_BODY_BYTES + 1, "x");
  const { url } = await serve(t, (req, res) => {
    // With a length up front, and without one (chunked): both are cut at the limit.
    if (req.url === "/chunked") {
      res.writeHead(200);
      res.write(big.subarray(0, 1000));
      res.end(big.subarray(1000));
    } else {
      res.writeHead(200, { "content-length": String(big.length) }).end(big);
    }
  });
  const line = /^the answer from 127\.0\.0\.1:\d+ is larger than 4\.00 MB; not read$/;
  await t.rejects(httpFetch(`${url}/sized`), { name: "HttpLimitError", message: line });
  await t.rejects(httpFetch(`${url}/chunked`), { name: "HttpLimitError", message: line });
  t.equal((await (await httpFetch(`${url}/chunked`, { maxBodyBytes: big.length })).text()).length, big.length);
});

t.test("GitHub answering over the size limit: one fatal line naming the call and the host, no retry", async (t) => {
  const lines: string[] = [];
  t.teardown(setLogSink((l) => lines.push(l)));
  let calls = 0;
  const { url } = await serve(t, (req, res) => {
    calls++;
    res.writeHead(200, { "content-type": "application/json" }).end(`{"runners":[],"pad":"${"x".repeat(MAX_BODY_BYTES)}"}`);
  });
  const api = new RunnerApi(createOctokit(url, { kind: "pat", variable: "GH_TOKEN", token: "ghp_x" }), "repos/o/r", { log: createLogger("t"), credentialVar: "GH_TOKEN" });
  await t.rejects(api.list(), {
    name: "GitHubFatalError",
    message: /^GET \/repos\/o\/r\/actions\/runners: the answer from 127\.0\.0\.1:\d+ is larger than 4\.00 MB; not read$/,
  });
  t.equal(calls, 1, "not retried");
  t.same(lines, []);
});

t.test("a server that never answers is given up after the timeout, naming the host", async (t) => {
  const { url } = await serve(t, () => {});
  await t.rejects(httpFetch(url, { timeoutMs: 50 }), { message: /^no answer from 127\.0\.0\.1:\d+ within 0\.05 s$/ });
});

t.test("a body that stops half-way is given up after the timeout, also when streamed", async (t) => {
  const { url } = await serve(t, (req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("only part of it");
  });
  await t.rejects(httpFetch(url, { timeoutMs: 50 }), { message: /^no answer from 127\.0\.0\.1:\d+ within 0\.05 s$/ });
  const res = await httpOpen(url, { timeoutMs: 50 });
  t.equal(res.status, 200);
  const read = async () => {
    for await (const chunk of res.body) t.equal(chunk.toString(), "only part of it");
  };
  await t.rejects(read(), { message: /^no answer from 127\.0\.0\.1:\d+ within 0\.05 s$/ });
});

t.test("aborting fails the request, also in the middle of its body", async (t) => {
  const { url } = await serve(t, (req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("part");
  });
  const ctl = new AbortController();
  const res = await httpOpen(url, { signal: ctl.signal });
  const read = async () => {
    for await (const chunk of res.body) {
      t.equal(chunk.toString(), "part");
      ctl.abort();
    }
  };
  await t.rejects(read(), { name: "AbortError" });
  await t.rejects(httpFetch(url, { signal: ctl.signal }), { name: "AbortError" }, "an aborted signal: no request");
});

t.test("requests leave no listener on a long-lived signal (the supervisor's stop signal serves every call)", async (t) => {
  const { url } = await serve(t, (req, res) => (req.url === "/moved" ? res.writeHead(302, { location: "/" }).end() : res.end("ok")));
  const stop = new AbortController();
  for (let i = 0; i < 20; i++) await (await httpFetch(`${url}/moved`, { signal: stop.signal })).text();
  await t.rejects(httpFetch(url.replace(/:\d+$/, ":9"), { signal: stop.signal }), /ECONNREFUSED/);
  t.equal(getEventListeners(stop.signal, "abort").length, 0);
});

t.test("a refused connection rejects with the cause in the message", async (t) => {
  const { server, url } = await serve(t, () => {});
  await new Promise((r) => server.close(r));
  await t.rejects(httpFetch(`${url}/x`), /ECONNREFUSED/);
});

t.test("a stop abandons a GitHub request in flight: an answer that comes after it is not taken", async (t) => {
  let answer!: () => void;
  let onArrive!: () => void;
  const arrived = new Promise<void>((r) => (onArrive = r));
  const { url } = await serve(t, (req, res) => {
    answer = () => res.writeHead(204).end();
    onArrive();
  });
  const api = new RunnerApi(createOctokit(url, { kind: "pat", variable: "GH_TOKEN", token: "ghp_x" }), "repos/o/r", { log: createLogger("t"), credentialVar: "GH_TOKEN" });
  const stop = new AbortController();
  const deleting = api.delete(7, stop.signal);
  await arrived;
  stop.abort();
  // GitHub answers after the stop: a client still waiting would take it ("deleted").
  answer();
  await t.rejects(deleting, "given up at the stop, not waited for");
});
