// The fake GitHub's webhook API, as the controller manages its own hook:
// repository and organization hooks (list with Link pagination, create,
// update, delete) and their deliveries (cursor pagination, one delivery,
// redelivery), every answer validated against @octokit/openapi; hooks made
// through the API deliver their scope's jobs, and tests can fail deliveries.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import t from "tap";
import { startFakeGitHub } from "../fakes/github/fake-github.ts";
import { fakeRestCaller } from "../helpers/fake-rest-call.ts";

const gh = await startFakeGitHub({ noAdminTokens: ["github_pat_noadmin"] });
t.teardown(() => gh.close());
const { call, conforms } = fakeRestCaller(gh);

/** A receiver that answers 202 and keeps what it got. */
async function receiver(t: { teardown(fn: () => unknown): void }): Promise<{ url: string; got: { event: string; delivery: string; body: string; signature: string }[] }> {
  const got: { event: string; delivery: string; body: string; signature: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ event: String(req.headers["x-github-event"]), delivery: String(req.headers["x-github-delivery"]), body, signature: String(req.headers["x-hub-signature-256"]) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, got };
}

const scopes = [
  { prefix: "/repos/{owner}/{repo}", path: "/repos/acme/hooked", scope: "repos/acme/hooked", repository: "acme/hooked" },
  { prefix: "/orgs/{org}", path: "/orgs/hookorg", scope: "orgs/hookorg", repository: "hookorg/any" },
];

for (const s of scopes) {
  t.test(`hooks of ${s.prefix}: list with pages, create, update, delete`, async (t) => {
    const hooks = `${s.prefix}/hooks`;
    const make = (url: string, events = ["push"]) => call("POST", `${s.path}/hooks`, { body: { name: "web", active: true, events, config: { url, content_type: "json", insecure_ssl: "0", secret: "s3cret-value" } } });
    const created = [];
    for (let i = 1; i <= 3; i++) {
      const reply = await make(`https://example.com/other-${i}`);
      conforms(t, "POST", hooks, reply, 201);
      created.push((reply.body as { id: number }).id);
    }
    t.match((await make("https://example.com/other-1")).body, { message: "Validation Failed", errors: [{ message: /Hook already exists/ }] }, "same URL and events: refused");
    conforms(t, "POST", hooks, await make("https://example.com/other-1"), 422);
    conforms(t, "POST", hooks, await call("POST", `${s.path}/hooks`, { body: { config: { url: "not a url" } } }), 422);
    const first = await call("GET", `${s.path}/hooks?per_page=2`);
    conforms(t, "GET", hooks, first, 200);
    t.equal((first.body as unknown[]).length, 2);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    t.match(next, /page=2/, "Link names the next page");
    const second = await call("GET", next ?? "");
    conforms(t, "GET", hooks, second, 200);
    t.match(second.body, [{ id: created[2], config: { url: "https://example.com/other-3", content_type: "json", secret: "********" } }], "the secret is never shown");

    const one = `${s.path}/hooks/${created[1]}`;
    conforms(t, "GET", `${hooks}/{hook_id}`, await call("GET", one), 200);
    const patched = await call("PATCH", one, { body: { active: true, events: ["workflow_job"], config: { url: "https://ci.example.com/webhook", content_type: "json", insecure_ssl: "0", secret: "new" } } });
    conforms(t, "PATCH", `${hooks}/{hook_id}`, patched, 200);
    t.match(patched.body, { events: ["workflow_job"], config: { url: "https://ci.example.com/webhook" } });
    t.equal(gh.restHooks(s.scope)[1]?.spec.secret, "new", "the new secret signs later deliveries");
    conforms(t, "DELETE", `${hooks}/{hook_id}`, await call("DELETE", one), 204);
    conforms(t, "GET", `${hooks}/{hook_id}`, await call("GET", one), 404);
    conforms(t, "GET", hooks, await call("GET", `${s.path}/hooks`, { token: "github_pat_noadmin" }), 403);
    for (const id of [created[0], created[2]]) await call("DELETE", `${s.path}/hooks/${id}`);
    t.same(gh.restHooks(s.scope), []);
  });

  t.test(`deliveries of ${s.prefix}: the scope's jobs, failures, cursor pages, redelivery`, async (t) => {
    const r = await receiver(t);
    const made = await call("POST", `${s.path}/hooks`, { body: { events: ["workflow_job"], config: { url: r.url, content_type: "json", insecure_ssl: "0", secret: "hook-secret-1" } } });
    const id = (made.body as { id: number }).id;
    const hook = gh.restHooks(s.scope)[0]!;
    await gh.waitFor(() => r.got.length === 1);
    t.equal(r.got[0]?.event, "ping", "GitHub pings a new hook");
    gh.queueJob({ labels: ["x"], repository: "elsewhere/repo" });
    const stopFailing = hook.fail((action) => action === "queued", 503);
    const job = gh.queueJob({ labels: ["x"], repository: s.repository });
    stopFailing();
    gh.cancelJob(job);
    await gh.waitFor(() => hook.deliveries().length === 3 && hook.deliveries().every((d) => d.status !== 0));
    t.same(r.got.map((g) => g.event), ["ping", "workflow_job"], "only its scope's jobs; the failed one never arrived");
    t.ok(await verify("hook-secret-1", r.got[1]!.body, r.got[1]!.signature), "signed with the hook's secret");

    const deliveries = `${s.prefix}/hooks/{hook_id}/deliveries`;
    const page1 = await call("GET", `${s.path}/hooks/${id}/deliveries?per_page=2`);
    conforms(t, "GET", deliveries, page1, 200);
    t.match(page1.body, [{ event: "workflow_job", action: "completed", status_code: 202, status: "OK" }, { action: "queued", status_code: 503, status: "Invalid HTTP Response: 503", redelivery: false }]);
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get("link") ?? "")?.[1] ?? "";
    t.match(next, /cursor=v1_\d+/, "cursor pagination, as GitHub's deliveries");
    const page2 = await call("GET", next);
    conforms(t, "GET", deliveries, page2, 200);
    t.match(page2.body, [{ event: "ping" }]);
    t.equal(page2.headers.get("link"), null, "no next page after the last");
    const failed = await call("GET", `${s.path}/hooks/${id}/deliveries?status=failure`);
    t.match(failed.body, [{ action: "queued" }]);
    t.equal((failed.body as unknown[]).length, 1, "status=failure: the failed one only");

    const failedId = (page1.body as { id: number; guid: string }[])[1]!;
    if (s.prefix.startsWith("/repos")) conforms(t, "GET", `${deliveries}/{delivery_id}`, await call("GET", `${s.path}/hooks/${id}/deliveries/${failedId.id}`), 200);
    const again = await call("POST", `${s.path}/hooks/${id}/deliveries/${failedId.id}/attempts`);
    conforms(t, "POST", `${deliveries}/{delivery_id}/attempts`, again, 202);
    await gh.waitFor(() => r.got.length === 3);
    t.equal(r.got[2]?.delivery, failedId.guid, "a redelivery keeps X-GitHub-Delivery");
    await gh.waitFor(() => hook.deliveries().at(-1)?.status === 202);
    t.match((await call("GET", `${s.path}/hooks/${id}/deliveries?per_page=1`)).body, [{ guid: failedId.guid, redelivery: true, status_code: 202 }]);
    conforms(t, "POST", `${deliveries}/{delivery_id}/attempts`, await call("POST", `${s.path}/hooks/${id}/deliveries/999999/attempts`), 404);
    await call("DELETE", `${s.path}/hooks/${id}`);
  });
}
