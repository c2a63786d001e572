import t from "tap";
import { followRedirect } from "../../src/http/http-open.ts";

const creds = { authorization: "Bearer x", "X-Amz-Security-Token": "s", "x-aws-ec2-metadata-token": "i", cookie: "c", accept: "*/*" };
const post = { method: "POST", body: "{}", headers: { ...creds, "content-type": "application/json" } };

t.test("credentials stay with their origin: scheme, host and port", async (t) => {
  const from = new URL("https://api.example.com/a");
  for (const [to, kept] of [
    ["/b", true],
    ["https://api.example.com:443/b", true],
    ["https://api.example.com:8443/b", false],
    ["https://objects.example.com/b", false],
    ["https://example.com/b", false],
  ] as const) {
    const next = followRedirect(from, { headers: creds }, 302, to);
    t.equal(next?.url.toString(), new URL(to, from).toString());
    t.same(Object.keys(next?.init.headers ?? {}), kept ? Object.keys(creds) : ["accept"], `${to}: credentials ${kept ? "kept" : "dropped"}`);
  }
  const upgraded = followRedirect(new URL("http://h/a"), { headers: creds }, 301, "https://h/a");
  t.same(upgraded?.init.headers, { accept: "*/*" }, "http -> https is followed, as another origin");
});

t.test("https never continues over plain http, nor to another scheme", async (t) => {
  t.throws(() => followRedirect(new URL("https://ghe.example.com/api/v3"), {}, 302, "http://ghe.example.com/api/v3"), {
    name: "HttpLimitError",
    message: "ghe.example.com redirected to http://ghe.example.com; not followed (only https, or http from http)",
  });
  t.throws(() => followRedirect(new URL("http://h/"), {}, 302, "file:///etc/passwd"), { name: "HttpLimitError" });
});

t.test("303, and 301/302 after a POST, continue as a GET without body; 307/308 keep both", async (t) => {
  for (const status of [301, 302, 303]) {
    const next = followRedirect(new URL("http://h/a"), post, status, "/b");
    t.equal(next?.init.method, "GET", `${status}`);
    t.equal(next?.init.body, null);
    t.notOk(next?.init.headers?.["content-type"], "no content-type without a body");
    t.equal(next?.init.headers?.authorization, "Bearer x", "same origin: credentials kept");
  }
  for (const status of [307, 308]) t.same(followRedirect(new URL("http://h/a"), post, status, "/b")?.init, post, `${status}`);
  t.equal(followRedirect(new URL("http://h/a"), { method: "PUT" }, 302, "/b")?.init.method, "PUT", "302 after PUT keeps it, as fetch");
});

t.test("not a redirect: undefined", async (t) => {
  t.equal(followRedirect(new URL("http://h/"), {}, 200, "/x"), undefined);
  t.equal(followRedirect(new URL("http://h/"), {}, 304, "/x"), undefined);
  t.equal(followRedirect(new URL("http://h/"), {}, 302, undefined), undefined);
});
