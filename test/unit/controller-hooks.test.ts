import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import type { Scope } from "../../src/config/scope.ts";
import { startHookUpkeep } from "../../src/controller/hook-upkeep.ts";
import { failedDeliveries } from "../../src/controller/redeliver-failed.ts";
import { readTls } from "../../src/controller/tls-files.ts";
import { webhookSecret } from "../../src/controller/webhook-secret.ts";
import type { DeliveryAttempt, HookApi, HookTarget } from "../../src/github/hook-api.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { configFailure } from "../helpers/config-failure.ts";

const attempt = (guid: string, at: number, statusCode: number, more: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  id: at,
  guid,
  deliveredAt: at,
  redelivery: false,
  statusCode,
  status: statusCode === 0 ? "failed to connect" : `Invalid HTTP Response: ${statusCode}`,
  event: "workflow_job",
  action: "queued",
  ...more,
});

t.test("which deliveries are redelivered: failed ones, once, oldest first", async (t) => {
  const due = failedDeliveries([
    attempt("late", 9, 503),
    attempt("ok-later", 8, 202, { redelivery: true }),
    attempt("ok-later", 7, 502),
    attempt("tried", 6, 0, { redelivery: true }),
    attempt("tried", 5, 0),
    attempt("ping", 4, 0, { event: "ping", action: null }),
    attempt("early", 3, 401),
    attempt("fine", 2, 200),
  ]);
  t.same(due.map((d) => d.guid), ["early", "late"], "not the ones that got a 2xx, not the ones redelivered already, not pings");
});

t.test("a replaced hook upkeep: its pass under way ends at the stop, and the new one's PATCH comes after it", async (t) => {
  const restore = setLogSink(() => undefined);
  t.teardown(restore);
  const log = createLogger("test");
  const events: string[] = [];
  let releaseList!: () => void;
  const held = new Promise<void>((resolve) => (releaseList = resolve));
  let oldListing!: () => void;
  const oldListed = new Promise<void>((resolve) => (oldListing = resolve));
  let patchedNew!: () => void;
  const newPatched = new Promise<void>((resolve) => (patchedNew = resolve));
  // GitHub's hook endpoints as one upkeep sees them; the old upkeep's listing is held until the test lets it go.
  const api = (name: string, hold: boolean): HookApi =>
    ({
      list: async () => {
        events.push(`${name} list`);
        if (hold) {
          oldListing();
          await held;
        }
        events.push(`${name} listed`);
        return [{ id: 7, url: "https://ci.example.com/webhook", active: true, events: ["workflow_job"] }];
      },
      update: async (_id: number, target: HookTarget) => {
        events.push(`${name} PATCH secret ${target.secret}`);
        if (target.secret === "new") patchedNew();
      },
      create: async () => 7,
      remove: async () => undefined,
      deliveriesSince: async () => [],
      redeliver: async () => undefined,
    }) as unknown as HookApi;
  const scope: Scope = { kind: "repository", variable: "GH_REPOSITORY", name: "o/r", apiPath: "repos/o/r", url: "https://github.com/o/r" };
  const upkeep = (name: string, secret: string, hold: boolean, after?: Promise<unknown>) =>
    startHookUpkeep({ scope, api: api(name, hold), target: { url: "https://ci.example.com/webhook", secret }, log, intervalMs: 3600_000, after });
  const stopOld = upkeep("old", "old", true);
  await oldListed;
  t.same(events, ["old list"], "the old upkeep's pass is under way");
  // As Fleet replaces an upkeep (a new secret): stopped, and the new one starts after that stop.
  const stopped = stopOld().then(() => void events.push("old stopped"));
  const stopNew = upkeep("new", "new", false, stopped);
  t.teardown(stopNew);
  releaseList();
  await newPatched;
  t.same(events, ["old list", "old listed", "old stopped", "new list", "new listed", "new PATCH secret new"], "the old pass sent nothing after its stop; the new one began after it");
});

t.test("the generated secret: 0600, kept, reused; a given one wins; none is printed", async (t) => {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  t.teardown(restore);
  const log = createLogger("test");
  const dir = mkdtempSync(join(tmpdir(), "ctl-secret-"));
  const first = webhookSecret({ given: undefined, dataDir: dir, id: "default", log });
  t.match(first, /^[0-9a-f]{64}$/);
  t.equal(statSync(join(dir, "secrets", "default")).mode & 0o777, 0o600);
  t.equal(webhookSecret({ given: undefined, dataDir: dir, id: "default", log }), first, "reused");
  t.not(webhookSecret({ given: undefined, dataDir: dir, id: "other", log }), first, "one per id");
  chmodSync(join(dir, "secrets", "default"), 0o644);
  webhookSecret({ given: undefined, dataDir: dir, id: "default", log });
  t.equal(statSync(join(dir, "secrets", "default")).mode & 0o777, 0o600, "a loosened mode is tightened");
  t.equal(webhookSecret({ given: "given-secret-value", dataDir: dir, id: "default", log }), "given-secret-value");
  log.info(`leak? ${first} given-secret-value`);
  t.notMatch(lines.join("\n"), new RegExp(`${first}|given-secret-value`), "masked");
  t.equal(readFileSync(join(dir, "secrets", "default"), "utf8"), first, "a given secret leaves the kept one alone");
  t.equal(configFailure(() => webhookSecret({ given: undefined, dataDir: "/proc/nope", id: "default", log })).variable, "DATA_DIR");
});

t.test("TLS files: each problem names its variable", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ctl-tls-"));
  const make = (name: string): void =>
    void execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.pem`)], { stdio: "pipe" });
  make("a");
  make("b");
  const ok = readTls({ certFile: join(dir, "a.pem"), keyFile: join(dir, "a.key") });
  t.match(ok.summary, /CN=localhost, valid until \d{4}-.*, SHA-256 [0-9A-F:]{95}/);
  writeFileSync(join(dir, "junk"), "junk");
  const cases: [string, string, string, RegExp][] = [
    ["a.pem", "b.key", "TLS_KEY_FILE", /b\.key is not the key of the certificate in .*a\.pem/],
    ["junk", "a.key", "TLS_CERT_FILE", /junk holds no PEM certificate/],
    ["a.pem", "junk", "TLS_KEY_FILE", /junk holds no PEM private key/],
    ["a.pem", "missing", "TLS_KEY_FILE", /cannot read .*missing: ENOENT/],
  ];
  for (const [cert, key, variable, message] of cases) {
    const e = configFailure(() => readTls({ certFile: join(dir, cert), keyFile: join(dir, key) }));
    t.equal(e.variable, variable, `${cert} + ${key}: ${variable}`);
    t.match(e.message, message);
    t.notMatch(e.message, /BEGIN/, "no key material in the message");
  }
});

t.test("config: WEBHOOK_HOST makes WEBHOOK_SECRET optional; TLS files go together", async (t) => {
  const base: Env = { CI_RUNNER_SECRETS_DIR: "/nonexistent", GH_TOKEN: "ghp_abcdefghijklmnop", GH_REPOSITORY: "o/r", GH_LABELS: "ctl" };
  const load = (env: Env) => loadConfig({ ...base, ...env }, undefined, "controller");
  t.equal(load({ WEBHOOK_HOST: "https://ci.example.com/" }).WEBHOOK_HOST, "https://ci.example.com");
  t.equal(load({ WEBHOOK_HOST: "https://ci.example.com" }).REDELIVERY_INTERVAL_SEC, 300);
  t.equal(configFailure(() => load({})).variable, "WEBHOOK_SECRET");
  t.equal(configFailure(() => load({ WEBHOOK_HOST: "ci.example.com" })).variable, "WEBHOOK_HOST");
  t.equal(configFailure(() => load({ WEBHOOK_SECRET: "s3cret-value", TLS_KEY_FILE: "/k.pem" })).variable, "TLS_CERT_FILE");
  t.equal(configFailure(() => load({ WEBHOOK_SECRET: "s3cret-value", TLS_CERT_FILE: "/c.pem" })).variable, "TLS_KEY_FILE");
  t.equal(configFailure(() => load({ WEBHOOK_SECRET: "s3cret-value", REDELIVERY_INTERVAL_SEC: "0" })).variable, "REDELIVERY_INTERVAL_SEC");
});
