import t from "tap";
import { withRetry } from "../../src/github/with-retry.ts";
import { HttpLimitError } from "../../src/http/http-limit-error.ts";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";

/** What Octokit throws: a RequestError-like error with status, response headers and body. */
function gitHubError(status: number, message: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { status, response: { headers, data: { message } } });
}


const opts = { log: createLogger("github"), credentialVar: "GH_TOKEN" };

t.test("401 and 403 are one fatal line naming GH_TOKEN, never retried", async (t) => {
  const lines = captureLog(t);
  for (const status of [401, 403]) {
    let calls = 0;
    const call = () => {
      calls++;
      return Promise.reject(gitHubError(status, status === 401 ? "Bad credentials" : "Resource not accessible by personal access token"));
    };
    await t.rejects(withRetry("POST /x", call, opts), { name: "GitHubFatalError", exitCode: 78, message: new RegExp(`^GH_TOKEN: GitHub answered ${status} `) });
    t.equal(calls, 1);
  }
  t.same(lines, []);
});

t.test("an answer the client refused (too large) is one fatal line naming the call, never retried", async (t) => {
  const lines = captureLog(t);
  let calls = 0;
  // Octokit wraps what fetch threw as a 500 RequestError, keeping it as `cause`.
  const wrapped = Object.assign(new Error("the answer from h:1 is larger than 4.00 MB; not read"), { status: 500, cause: new HttpLimitError("the answer from h:1 is larger than 4.00 MB; not read") });
  await t.rejects(
    withRetry("GET /x", () => (calls++, Promise.reject(wrapped)), opts),
    { name: "GitHubFatalError", message: "GET /x: the answer from h:1 is larger than 4.00 MB; not read" },
  );
  t.equal(calls, 1);
  t.same(lines, []);
});

t.test("other 4xx go to the caller as they are", async (t) => {
  const e = gitHubError(422, "busy");
  await t.rejects(withRetry("DELETE /x", () => Promise.reject(e), opts), e);
});

t.test("5xx: one line per wait; a stop during the wait rethrows the last error", async (t) => {
  const stop = new AbortController();
  const lines = captureLog(t, () => stop.abort());
  const e = gitHubError(502, "Bad Gateway");
  let calls = 0;
  await t.rejects(withRetry("POST /token", () => (calls++, Promise.reject(e)), { ...opts, signal: stop.signal }), e);
  t.equal(calls, 1);
  t.equal(lines.length, 1);
  t.match(lines[0], /github: warning: POST \/token failed \(502: Bad Gateway\); retry 1 in (0\.[5-9]|1\.0) s$/);
});

t.test("a rate limit waits for its reset (retry-after), one line", async (t) => {
  const stop = new AbortController();
  const lines = captureLog(t, () => stop.abort());
  const e = gitHubError(429, "You have exceeded a secondary rate limit", { "retry-after": "7" });
  await t.rejects(withRetry("GET /runners", () => Promise.reject(e), { ...opts, signal: stop.signal }), e);
  t.match(lines[0], /GitHub rate limit hit during GET \/runners, waiting for its reset; retry 1 in 7\.0 s$/);
});

t.test("a transient failure, then success: the value", async (t) => {
  const lines = captureLog(t);
  let calls = 0;
  const value = await withRetry("GET /x", () => (++calls === 1 ? Promise.reject(gitHubError(503, "Unavailable")) : Promise.resolve("ok")), opts);
  t.equal(value, "ok");
  t.equal(lines.length, 1);
});
