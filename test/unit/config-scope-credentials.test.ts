import t from "tap";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { APP_KEY_PEM } from "../helpers/app-key.ts";
import { configFailure as failure } from "../helpers/config-failure.ts";

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const PAT = "ghp_abcdefghijklmnop";
const KEY = APP_KEY_PEM;
const load = (env: Env) => loadConfig({ CI_RUNNER_SECRETS_DIR: "/nonexistent", ...env }, user);


t.test("scopes", async (t) => {
  const repo = load({ GH_TOKEN: PAT, GH_LABELS: "x", GH_REPOSITORY: "o/r" });
  t.same([repo.scope?.apiPath, repo.scope?.url], ["repos/o/r", "https://github.com/o/r"]);
  const org = load({ GH_TOKEN: PAT, GH_LABELS: "x", GH_ORG: "acme", GH_URL: "https://ghe.local" });
  t.same([org.scope?.apiPath, org.scope?.url, org.apiUrl], ["orgs/acme", "https://ghe.local/acme", "https://ghe.local/api/v3"]);
  const ent = load({ GH_TOKEN: PAT, GH_LABELS: "x", GH_ENTERPRISE: "big" });
  t.same([ent.scope?.apiPath, ent.scope?.url], ["enterprises/big", "https://github.com/enterprises/big"]);
  t.equal(failure(() => load({ GH_TOKEN: PAT, GH_LABELS: "x" })).variable, "GH_REPOSITORY", "no scope");
  t.match(failure(() => load({ GH_TOKEN: PAT, GH_LABELS: "x", GH_REPOSITORY: "o/r", GH_ORG: "o" })).message, /^GH_REPOSITORY, GH_ORG: set exactly one scope/);
});

t.test("credentials: exactly one kind", async (t) => {
  const scope = { GH_REPOSITORY: "o/r", GH_LABELS: "x" };
  t.equal(load({ ...scope, GH_TOKEN: PAT }).credentials?.kind, "pat");
  t.equal(load({ ...scope, GH_APP_ID: "12", GH_APP_PRIVATE_KEY: KEY }).credentials?.kind, "app");
  t.equal(load({ ...scope, GH_RUNNER_TOKEN: "AABBCCDDEEFF" }).credentials?.kind, "runner-token");
  const jitConfig = Buffer.from(JSON.stringify({ ".runner": Buffer.from('{"agentId":1}').toString("base64"), ".credentials": "e30=" })).toString("base64");
  const jit = load({ ACTIONS_RUNNER_INPUT_JITCONFIG: jitConfig });
  t.equal(jit.credentials?.kind, "jit", "pre-issued JIT needs no scope, labels or token");
  t.ok(jit.oneJob);
  const wrapped = Buffer.from(JSON.stringify({ ".runner": "x".repeat(120) })).toString("base64").replace(/.{76}/g, "$&\n");
  t.equal(load({ ACTIONS_RUNNER_INPUT_JITCONFIG: wrapped }).credentials?.kind, "jit", "base64 wrapped in lines (as base64(1) writes it; the runner reads it so)");
  const unreadable: [string, string][] = [["not base64", "not-a-jit-config"], ["cut short", jitConfig.slice(0, -6)], ["base64 of no JSON object", "WzEsMl0="]];
  for (const [what, value] of unreadable) {
    const e = failure(() => load({ ACTIONS_RUNNER_INPUT_JITCONFIG: value }));
    t.equal(e.variable, "ACTIONS_RUNNER_INPUT_JITCONFIG", what);
    t.notMatch(e.message, value.slice(0, 12), `${what}: the value not shown`);
  }
  t.equal(failure(() => load(scope)).variable, "GH_TOKEN", "none");
  t.match(failure(() => load({ ...scope, GH_TOKEN: PAT, GH_RUNNER_TOKEN: "AABBCCDDEEFF" })).message, /GH_TOKEN and GH_RUNNER_TOKEN/);
  t.equal(failure(() => load({ ...scope, GH_APP_ID: "12" })).variable, "GH_APP_PRIVATE_KEY");
  const bad = failure(() => load({ ...scope, GH_APP_ID: "12", GH_APP_PRIVATE_KEY: "not-a-pem-but-secret" }));
  t.equal(bad.variable, "GH_APP_PRIVATE_KEY");
  t.notMatch(bad.message, /not-a-pem-but-secret/);
  t.equal(failure(() => load({ ...scope, GH_RUNNER_TOKEN: "AABBCCDDEEFF", RUNNER_JIT: "1" })).variable, "RUNNER_JIT");
  t.equal(failure(() => load({ GH_REPOSITORY: "o/r", GH_TOKEN: PAT })).variable, "GH_LABELS");
});

t.test("an App key that would not sign a JWT: exit 78 naming GH_APP_PRIVATE_KEY, the key not shown", async (t) => {
  const scope = { GH_REPOSITORY: "o/r", GH_LABELS: "x", GH_APP_ID: "12" };
  const body = KEY.split("\n")[1] as string;
  const bad: [string, string, RegExp][] = [
    ["literal \\n (an env file's one-line key)", KEY.replace(/\n/g, "\\n"), /literal \\n in place of line breaks/],
    ["cut short", KEY.slice(0, 200) + "\n-----END RSA PRIVATE KEY-----\n", /does not parse/],
    ["an OpenSSH key", `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`, /an OpenSSH key/],
    ["an EC key", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString(), /a key of type ec/],
    ["encrypted", generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString(), /an encrypted key/],
  ];
  for (const [what, key, why] of bad) {
    const e = failure(() => load({ ...scope, GH_APP_PRIVATE_KEY: key }));
    t.equal(e.variable, "GH_APP_PRIVATE_KEY", what);
    t.match(e.message, why, what);
    t.notMatch(e.message, body.slice(0, 16), `${what}: nothing of the key`);
  }
  t.equal(load({ ...scope, GH_APP_PRIVATE_KEY: KEY.replace(/\n/g, "\r\n") }).credentials?.kind, "app", "CRLF line ends (a key saved on Windows) are fine");
  const pkcs8 = createPrivateKey(KEY).export({ type: "pkcs8", format: "pem" }).toString();
  t.equal(load({ ...scope, GH_APP_PRIVATE_KEY: pkcs8 }).credentials?.kind, "app", "PKCS#8 (-----BEGIN PRIVATE KEY-----) is fine");
});

t.test("aliases of the seed images map to ci-runner variables", async (t) => {
  const cases: [Env, Record<string, unknown>][] = [
    [{ GITHUB_URL: "https://github.com/o/r", GITHUB_TOKEN: PAT, RUNNER_LABELS: "a,b" }, { GH_REPOSITORY: "o/r", credentials: "pat", GH_LABELS: ["a", "b"] }],
    [{ GITHUB_URL: "https://ghe.example.com/acme", GITHUB_TOKEN: "AREGTOKEN123456", GH_LABELS: "a" }, { GH_ORG: "acme", GH_URL: "https://ghe.example.com", credentials: "runner-token" }],
    [{ REPO: "o/r", ACCESS_TOKEN: PAT, GH_LABELS: "a" }, { GH_REPOSITORY: "o/r", credentials: "pat" }],
    [{ RUNNER_REPOSITORY_URL: "https://github.com/o/r", GITHUB_ACCESS_TOKEN: PAT, GH_LABELS: "a" }, { GH_REPOSITORY: "o/r", credentials: "pat" }],
    [{ RUNNER_ORGANIZATION_URL: "https://github.com/acme", RUNNER_TOKEN: "AREGTOKEN123456", GH_LABELS: "a" }, { GH_ORG: "acme", credentials: "runner-token" }],
    [{ GH_REPOSITORY: "o/r", GH_TOKEN: PAT, GH_LABELS: "a", RUNNER_WORKDIR: "/work" }, { WORK_DIR: "/work" }],
    [{ GITHUB_URL: "https://github.com/enterprises/big", GH_TOKEN: PAT, GH_LABELS: "a" }, { GH_ENTERPRISE: "big" }],
  ];
  for (const [env, want] of cases) {
    const c = load(env) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) {
      t.same(k === "credentials" ? (c.credentials as { kind: string }).kind : c[k], v, `${Object.keys(env).join("+")}: ${k}`);
    }
  }
});

t.test("a variable and its alias that differ: exit 78 naming both", async (t) => {
  const e = failure(() => load({ GH_REPOSITORY: "o/r", REPO: "o/other", GH_TOKEN: PAT, GH_LABELS: "a" }));
  t.equal(e.variable, "GH_REPOSITORY");
  t.match(e.message, /REPO/);
  const s = failure(() => load({ GH_REPOSITORY: "o/r", GH_TOKEN: PAT, ACCESS_TOKEN: "ghp_otherotherother", GH_LABELS: "a" }));
  t.match(s.message, /GH_TOKEN and ACCESS_TOKEN are both set and differ/);
  t.notMatch(s.message, /ghp_/, "secret values not shown");
  t.equal(failure(() => load({ RUNNER_REPOSITORY_URL: "https://github.com/acme", GH_TOKEN: PAT, GH_LABELS: "a" })).variable, "RUNNER_REPOSITORY_URL");
  // The same value twice is fine.
  t.equal(load({ GH_REPOSITORY: "o/r", REPO: "o/r", GH_TOKEN: PAT, GH_LABELS: "a" }).GH_REPOSITORY, "o/r");
});
