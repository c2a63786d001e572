// POST /webhook as GitHub and as anyone else would send it: the signature
// is checked over the raw bytes first; whatever arrives, the controller
// answers at once, never crashes, and starts nothing it should not.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import t from "tap";
import { startControllerRig, WEBHOOK_SECRET } from "../helpers/controller-rig.ts";

function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", body: typeof body === "string" ? body : new Uint8Array(body), headers: { "content-type": "application/json", ...headers } });
}

t.test("answers: 401 unsigned or badly signed, 413 too large, 400 malformed, 200 ping and other events", async (t) => {
  const rig = await startControllerRig(t);
  const body = JSON.stringify({ action: "queued", workflow_job: { id: 1 } });
  const signed = async (b: string) => ({ "x-hub-signature-256": await sign(WEBHOOK_SECRET, b) });
  const cases: [string, string | Buffer, Record<string, string>, number, string][] = [
    ["no signature", body, { "x-github-event": "workflow_job" }, 401, "unauthorized"],
    ["signature of another secret", body, { "x-github-event": "workflow_job", "x-hub-signature-256": await sign("another-secret", body) }, 401, "unauthorized"],
    ["sha1 only", body, { "x-github-event": "workflow_job", "x-hub-signature-256": "sha1=0123" }, 401, "unauthorized"],
    ["body changed after signing", body + " ", { "x-github-event": "workflow_job", ...(await signed(body)) }, 401, "unauthorized"],
    ["not UTF-8", Buffer.from([0xff, 0xfe, 0x7b]), { "x-github-event": "workflow_job", "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, 401, "unauthorized"],
    ["over 1 MiB", "x".repeat(1024 * 1024 + 1), { "x-github-event": "workflow_job" }, 413, "too_large"],
    ["signed, not JSON", "{not json", { "x-github-event": "workflow_job", ...(await signed("{not json")) }, 400, "malformed"],
    ["signed, no workflow_job", "{}", { "x-github-event": "workflow_job", ...(await signed("{}")) }, 400, "malformed"],
    ["signed, labels not a list", body, { "x-github-event": "workflow_job", ...(await signed(body)) }, 400, "malformed"],
    ["ping", "{}", { "x-github-event": "ping", ...(await signed("{}")) }, 200, "ping"],
    ["push", "{}", { "x-github-event": "push", ...(await signed("{}")) }, 200, "ignored"],
  ];
  for (const [what, b, headers, status, result] of cases) {
    const res = await post(rig.url, b, headers);
    t.equal(res.status, status, `${what}: ${status}`);
    t.match(await res.json(), { result }, `${what}: ${result}`);
  }
  t.equal((await fetch(rig.url)).status, 405, "GET /webhook: 405");
  t.equal(rig.engine.containers.size, 0, "nothing started");
  t.match(rig.lines.join("\n"), /webhook delivery refused \(unauthorized\): no X-Hub-Signature-256 header/);
  const metrics = await (await fetch(rig.url.replace("/webhook", "/metrics"))).text();
  t.match(metrics, /ci_runner_controller_webhook_deliveries_total\{result="unauthorized"\} 5/);
  t.match(metrics, /ci_runner_controller_webhook_deliveries_total\{result="too_large"\} 1/);
});

t.test("10,000 fuzzed deliveries: no crash, nothing started, every one answered", async (t) => {
  const rig = await startControllerRig(t);
  const real = rig.hook.deliveries()[0]?.body ?? "{}";
  const events = ["workflow_job", "ping", "push", "", "workflow_job, push", "x".repeat(300)];
  const statuses = new Map<number, number>();
  const one = async (i: number): Promise<void> => {
    let body: string | Buffer;
    switch (i % 5) {
      case 0:
        body = randomBytes(i % 2000);
        break;
      case 1:
        body = real.slice(0, i % real.length) + randomBytes(8).toString("latin1");
        break;
      case 2:
        body = JSON.stringify({ action: ["queued", "completed", null, 7][i % 4], workflow_job: i % 3 ? { id: i, labels: [i] } : null, repository: {} });
        break;
      case 3:
        body = JSON.stringify(JSON.parse(real.replaceAll(/"labels":\[[^\]]*\]/g, `"labels":"${i}"`) || "{}"));
        break;
      default:
        body = "[".repeat(i % 500);
    }
    const headers: Record<string, string> = { "x-github-event": events[i % events.length] as string, "x-github-delivery": randomBytes(4).toString("hex") };
    // A third carry a valid signature, so the parser sees them too; the rest are forged.
    const text = Buffer.isBuffer(body) ? body.toString("utf8") : body;
    if (i % 3 === 0 && text !== "") headers["x-hub-signature-256"] = await sign(WEBHOOK_SECRET, text);
    else if (i % 3 === 1) headers["x-hub-signature-256"] = `sha256=${randomBytes(32).toString("hex")}`;
    const res = await post(rig.url, body, headers);
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  };
  const began = performance.now();
  for (let i = 0; i < 10_000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => one(i + k)));
  // Below HTTP: bytes no client library would send (NUL in a header, a broken request line).
  const port = Number(new URL(rig.url).port);
  for (let i = 0; i < 50; i++) {
    const garbage = i % 2 ? randomBytes(200 + i) : Buffer.from(`POST /webhook HTTP/1.1\r\nx-github-event: workflow\0job\r\ncontent-length: 5\r\n\r\nhello`);
    await new Promise<void>((resolve) => {
      const sock = connect(port, "127.0.0.1", () => sock.end(garbage));
      sock.on("data", () => {});
      sock.on("close", () => resolve());
      sock.on("error", () => resolve());
    });
  }
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  t.equal(answered, 10_000, `every delivery answered (${JSON.stringify(Object.fromEntries(statuses))})`);
  t.ok([...statuses.keys()].every((s) => [200, 400, 401].includes(s)), "only 200, 400 and 401");
  t.equal(rig.engine.containers.size, 0, "nothing started");
  t.equal((rig.running.controller.health() as { pending: number }).pending, 0, "nothing pending");
  const health = await fetch(rig.url.replace("/webhook", "/health"));
  t.equal(health.status, 200, "still healthy");
  // At most one line per kind of refusal (unauthorized, malformed, too_large) per 10 s, however long this took.
  const refusedLines = rig.lines.filter((l) => l.includes("webhook delivery refused"));
  const bound = 3 * (Math.ceil((performance.now() - began) / 10_000) + 1);
  t.ok(refusedLines.length <= bound, `the log is not flooded (${refusedLines.length} lines, at most ${bound}, for thousands refused)`);
});

t.test("health and metrics", async (t) => {
  const rig = await startControllerRig(t, { MAX_RUNNERS: "3", WARM_RUNNERS: "1" });
  await rig.waitForLine(/is listening for jobs/);
  const health = (await (await fetch(rig.url.replace("/webhook", "/health"))).json()) as Record<string, unknown>;
  t.match(health, { status: "ok", max_runners: 3, warm_runners: 1, pending: 0, runners: { starting: 0, idle: 1, busy: 0 } });
  t.match(health.last_reconcile_at, /^\d{4}-\d\d-\d\dT/);
  const [id] = rig.queueMatrix(1) as [number];
  await rig.gh.waitFor(() => rig.gh.job(id)?.status === "completed");
  await rig.hook.settled();
  const after = (await (await fetch(rig.url.replace("/webhook", "/health"))).json()) as Record<string, unknown>;
  t.match(after.last_webhook_at, /^\d{4}-\d\d-\d\dT/);
  const metrics = await (await fetch(rig.url.replace("/webhook", "/metrics"))).text();
  t.match(metrics, /^ci_runner_controller_jobs_pending 0$/m);
  t.match(metrics, /^ci_runner_controller_runners\{state="idle"\} \d+$/m);
  t.match(metrics, /^ci_runner_controller_job_queue_seconds_count 1$/m, "one queue time observed");
  // Deliveries go out concurrently: a `queued` that arrives after its `in_progress` is a duplicate.
  const count = (result: string) => Number(new RegExp(`^ci_runner_controller_webhook_deliveries_total\\{result="${result}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? 0);
  t.equal(count("accepted") + count("duplicate"), 3, "three workflow_job deliveries counted");
});

t.test("the stop: 503 to deliveries, idle runners stopped, a busy one left to finish, state saved", async (t) => {
  const rig = await startControllerRig(t, { WARM_RUNNERS: "1" });
  // Held: it still runs after the stop however long the steps below take; released at the end.
  const [id] = rig.queueMatrix(1, { hold: true }) as [number];
  await rig.gh.waitFor(() => rig.gh.job(id)?.status === "in_progress");
  await rig.gh.waitFor(() => rig.gh.runners().filter((r) => r.status === "online" && !r.busy).length === 1);
  await rig.hook.settled();
  const stopping = rig.stop();
  const refused = await post(rig.url, "{}", { "x-github-event": "ping", "x-hub-signature-256": await sign(WEBHOOK_SECRET, "{}") });
  t.equal(refused.status, 503, "a delivery during the stop gets 503");
  await stopping;
  await rig.waitForLine(/1 runner\(s\) running a job are left alone/);
  const saved = JSON.parse(readFileSync(join(rig.dataDir, "controller-state.json"), "utf8")) as { jobs: { id: number; state: string }[] };
  t.match(saved.jobs, [{ id, state: "in_progress" }], "the state file has the job as the controller last knew it");
  t.equal(rig.gh.job(id)?.status, "in_progress", "the job still runs after the controller stopped");
  rig.gh.releaseJob(id);
  const done = await rig.gh.waitFor(() => rig.gh.job(id)?.status === "completed" && rig.gh.job(id));
  t.equal(done.conclusion, "Succeeded", "and finishes");
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  t.pass("the idle runner was stopped and deregistered; the busy one exited after its job");
});

t.test("the stop while a runner is being created: that runner is stopped too, nothing left", async (t) => {
  const rig = await startControllerRig(t);
  const release = rig.engine.hold();
  const held = new Promise((resolve) => rig.engine.once("start-held", resolve));
  const [id] = rig.queueMatrix(1, { durationMs: 60_000 }) as [number];
  await held;
  const stopping = rig.stop();
  release();
  await stopping;
  await rig.gh.waitFor(() => rig.engine.alive().length === 0 && rig.gh.runners().length === 0);
  t.equal(rig.engine.containers.size, 1, "the runner being created was created");
  t.equal(rig.gh.job(id)?.status, "queued", "and stopped before it took the job");
  t.match(rig.lines.join("\n"), /stopping runner \S+: the controller is stopping/);
});

t.test("the stop while GitHub is slow to issue a JIT config: the registration it issues is removed, nothing left", async (t) => {
  const rig = await startControllerRig(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const arrived = new Promise<void>((onArrive) => rig.gh.fault({ method: "POST", path: /\/actions\/runners\/generate-jitconfig$/, until: gate, onArrive, times: 1 }));
  const [id] = rig.queueMatrix(1, { durationMs: 60_000 }) as [number];
  await arrived;
  const stopping = rig.stop();
  release();
  await stopping;
  t.equal(rig.gh.runners().length, 0, "the registration GitHub issued during the stop is gone when the stop returns");
  t.equal(rig.engine.containers.size, 0, "no container was created for it");
  t.equal(rig.gh.job(id)?.status, "queued", "the job waits for another runner");
  t.match(rig.lines.join("\n"), /starting runner \S+ failed: the controller is stopping/);
});
