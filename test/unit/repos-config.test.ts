import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { readReposConfig } from "../../src/controller/repos-config.ts";
import { manyEntries } from "../../src/controller/scope-entry.ts";
import { defaultLabels } from "../../src/runner/register-jit.ts";
import { configFailure } from "../helpers/config-failure.ts";

const dir = mkdtempSync(join(tmpdir(), "repos-config-"));
const file = join(dir, "repos.json");
writeFileSync(join(dir, "token"), "ghp_fromAFile0000000000000000000000000000\n");
writeFileSync(join(dir, "web.secret"), "secret-of-web\n");
const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
writeFileSync(join(dir, "app.pem"), pem);
writeFileSync(join(dir, "not-a-key.pem"), "hello");

const base = (env: Env = {}) => loadConfig({ CI_RUNNER_SECRETS_DIR: "/nonexistent", REPOS_CONFIG_FILE: file, DATA_DIR: dir, WEBHOOK_SECRET: "shared-secret", ...env }, undefined, "controller");
const read = (doc: unknown, env: Env = {}) => {
  writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
  return readReposConfig(file, base(env));
};

t.test("seed 004's repos.json as given: its fields, its defaults", async (t) => {
  const repos = read({
    repositories: [{ id: "myapp", github_url: "https://github.com/myorg/myapp", github_token: "ghp_xxx", runner_labels: "self-hosted,linux", max_runners: 5 }],
    defaults: { runner_image: "ghcr.io/depoll/gh-runner-docker:ephemeral", max_runners: 10 },
  });
  t.match(repos.entries, [
    {
      id: "myapp",
      scope: { kind: "repository", name: "myorg/myapp", apiPath: "repos/myorg/myapp" },
      apiUrl: "https://api.github.com",
      credentials: { kind: "pat", token: "ghp_xxx" },
      runnerLabels: ["self-hosted", "linux"],
      maxRunners: 5,
      runnerImage: "ghcr.io/depoll/gh-runner-docker:ephemeral",
      webhookSecretSource: "WEBHOOK_SECRET",
    },
  ]);
  t.ok(repos.secrets.includes("ghp_xxx"), "the token is masked in the log");
  const [entry] = manyEntries(base(), repos, (_id, given) => given ?? "generated");
  t.equal(entry?.path, "/webhook/myapp");
  t.same(entry?.settings.runnerLabels, defaultLabels(), "seed's self-hosted,linux are among the default labels: each once");
  t.equal(entry?.settings.entryId, "myapp");
});

t.test("ci-runner's fields: an organization, a token file, an App, a secret file, required_labels", async (t) => {
  const repos = read({
    repositories: [
      { id: "web", github_url: "https://github.com/acme/web", github_token_file: "token", webhook_secret_file: "web.secret", required_labels: ["gpu"], runner_labels: ["gpu", "big"] },
      { id: "acme", github_url: "https://github.com/acme", app_id: 12, app_private_key_file: join(dir, "app.pem"), installation_id: 34, runner_group: "builders" },
    ],
  });
  const [web, org] = repos.entries;
  t.match(web, { credentials: { kind: "pat", token: "ghp_fromAFile0000000000000000000000000000" }, webhookSecret: "secret-of-web", requiredLabels: ["gpu"], runnerLabels: ["gpu", "big"] });
  t.match(org, { scope: { kind: "organization", name: "acme" }, credentials: { kind: "app", appId: 12, installationId: 34 }, runnerGroup: "builders", maxRunners: 10 });
  const entries = manyEntries(base(), repos, (_id, given) => given ?? "generated");
  t.not(entries[0]?.settings.runnerKey, entries[1]?.settings.runnerKey, "each entry names its runners apart");
  t.equal(entries[0]?.settings.controllerId, entries[1]?.settings.controllerId, "one controller id on every container");
  t.match(entries[0]?.names.credential, `REPOS_CONFIG_FILE ${file}: entry "web": github_token_file`, "GitHub's 401 would name the file, entry and field");
  t.match(read({ repositories: [{ id: "x", github_url: "https://github.com/o/r" }] }, { GH_TOKEN: "ghp_environment" }).entries[0], { credentials: { token: "ghp_environment" }, credentialSource: "GH_TOKEN" }, "GH_TOKEN for entries without one");
});

t.test("a bad file: one ConfigError naming REPOS_CONFIG_FILE, the file, the entry and the field", async (t) => {
  const ok = { id: "web", github_url: "https://github.com/acme/web", github_token: "ghp_x" };
  const cases: [string, unknown, RegExp][] = [
    ["invalid JSON", '{"repositories": [', /: not valid JSON at line 1, column 19 /],
    ["no list", { defaults: {} }, /: repositories: expected a non-empty list/],
    ["unknown top-level field", { repositories: [ok], extra: 1 }, /: extra: unknown field/],
    ["unknown field", { repositories: [{ ...ok, max_runner: 3 }] }, /: entry "web": max_runner: unknown field/],
    ["unknown default", { repositories: [ok], defaults: { github_url: "https://github.com/x" } }, /: defaults: github_url: unknown field/],
    ["duplicate id", { repositories: [ok, { ...ok, id: "WEB" }] }, /: entry "WEB": id: a second entry with this id/],
    ["bad id", { repositories: [{ ...ok, id: "a b" }] }, /: repositories\[0\]: id: expected 1-64 chars/],
    ["two credentials", { repositories: [{ ...ok, app_id: 3, app_private_key_file: "app.pem" }] }, /: entry "web": github_token, app_id: two credentials/],
    ["token and its file", { repositories: [{ ...ok, github_token_file: "token" }] }, /: entry "web": github_token, github_token_file: two credentials/],
    ["unreadable key", { repositories: [{ id: "web", github_url: "https://github.com/acme/web", app_id: 3, app_private_key_file: "missing.pem" }] }, /: entry "web": app_private_key_file: cannot read .*missing\.pem: ENOENT/],
    ["not a key", { repositories: [{ id: "web", github_url: "https://github.com/acme/web", app_id: 3, app_private_key_file: "not-a-key.pem" }] }, /: entry "web": app_private_key_file: expected a PEM private key/],
    ["key without app", { repositories: [{ ...ok, app_private_key_file: "app.pem" }] }, /: entry "web": app_private_key_file: needs app_id/],
    ["no credential", { repositories: [{ id: "web", github_url: "https://github.com/acme/web" }] }, /: entry "web": github_token_file: no credential/],
    ["no url", { repositories: [{ id: "web", github_token: "ghp_x" }] }, /: entry "web": github_url: required/],
    ["root url", { repositories: [{ ...ok, github_url: "https://github.com/" }] }, /: entry "web": github_url: expected https:\/\/host\/owner\/repo or https:\/\/host\/org/],
    ["bad cap", { repositories: [{ ...ok, max_runners: 0 }] }, /: entry "web": max_runners: expected an integer 1-10000, got "0"/],
    ["bad default cap", { repositories: [ok], defaults: { max_runners: "many" } }, /: entry "web": defaults\.max_runners: expected an integer/],
    ["bad image", { repositories: [{ ...ok, runner_image: "Not An Image" }] }, /: entry "web": runner_image: expected an image reference/],
    ["bad labels", { repositories: [{ ...ok, runner_labels: "a, b c" }] }, /: entry "web": runner_labels: expected a comma-separated list/],
    ["group of a repository", { repositories: [{ ...ok, runner_group: "big" }] }, /: entry "web": runner_group: runner groups exist for organizations/],
    ["missing secret file", { repositories: [{ ...ok, webhook_secret_file: "nope" }] }, /: entry "web": webhook_secret_file: cannot read .*nope: ENOENT/],
  ];
  for (const [what, doc, re] of cases) {
    const e = configFailure(() => read(doc));
    t.equal(e.variable, "REPOS_CONFIG_FILE", `${what}: names REPOS_CONFIG_FILE`);
    t.match(e.message, `REPOS_CONFIG_FILE: ${file}`, `${what}: names the file`);
    t.match(e.message, re, what);
    t.notMatch(e.message, /ghp_x|\n/, `${what}: one line, no secret`);
  }
  t.match(configFailure(() => read({ repositories: [{ id: "web", github_url: "https://github.com/acme/web", github_token: "ghp_x" }] }, { WEBHOOK_SECRET: "" })).message, /entry "web": webhook_secret_file: required/);
  t.match(configFailure(() => readReposConfig(join(dir, "absent.json"), base())).message, /absent\.json: cannot read it: ENOENT/);
});

t.test("a bad file never shows a token: the place of a JSON error, the type of a wrong value", async (t) => {
  const secret = "ghp_SecretTokenValue0123456789";
  const number = 98765432109876;
  const cases: [string, string, RegExp][] = [
    ["token in single quotes", `{"repositories": [{"id": "web", "github_url": "https://github.com/acme/web", "github_token": '${secret}'}]}`, /: not valid JSON at line 1, column 94 \(the text is not shown/],
    ["on its own line", `{\n  "repositories": [\n    {"github_token": ${secret}}\n  ]\n}`, /: not valid JSON at line 3, column 22 /],
    ["unterminated", `{"repositories": [{"github_token": "${secret}`, /: not valid JSON at line 1, column 67 /],
    ["token as a list", JSON.stringify({ repositories: [{ id: "web", github_url: "https://github.com/acme/web", github_token: [secret] }] }), /: entry "web": github_token: expected a non-empty string, got a list \(the value is secret, not shown\)/],
    ["token as a number", JSON.stringify({ repositories: [{ id: "web", github_url: "https://github.com/acme/web" }], defaults: { github_token: number } }), /: entry "web": defaults\.github_token: expected a non-empty string, got a number /],
    ["token as an object", JSON.stringify({ repositories: [{ id: "web", github_url: "https://github.com/acme/web", github_token: { t: secret } }] }), /github_token: expected a non-empty string, got an object /],
  ];
  for (const [what, text, re] of cases) {
    const e = configFailure(() => read(text));
    t.match(e.message, re, what);
    t.notMatch(e.message, new RegExp(`${secret.slice(0, 8)}|${String(number).slice(0, 6)}|\n`), `${what}: one line, nothing of the token`);
  }
});

t.test("the environment beside REPOS_CONFIG_FILE", async (t) => {
  const e = configFailure(() => base({ GH_REPOSITORY: "o/r" }));
  t.equal(e.variable, "GH_REPOSITORY");
  t.match(e.message, /REPOS_CONFIG_FILE is set too/);
  t.equal(base({ WEBHOOK_SECRET: "" }).WEBHOOK_SECRET, undefined, "WEBHOOK_SECRET is optional: entries may each have a secret file");
  t.equal(configFailure(() => base({ GH_RUNNER_TOKEN: "AABBCCDDEEFF" })).variable, "GH_RUNNER_TOKEN");
});
