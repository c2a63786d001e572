import t from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load-config.ts";
import { ConfigError } from "../../src/config/config-error.ts";

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const base = { GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "a,b", CI_RUNNER_SECRETS_DIR: "/nonexistent" };

t.test("defaults", async (t) => {
  const c = loadConfig(base, user);
  t.equal(c.apiUrl, "https://api.github.com");
  t.equal(c.scope?.url, "https://github.com/o/r");
  t.equal(c.runnerDir, "/home/runner", "the image's runner root, where ARC looks for it");
  t.equal(c.workDir, "/mnt");
  t.equal(c.WORK_DIR, "/mnt");
  t.same(c.GH_LABELS, ["a", "b"]);
  t.ok(Object.isFrozen(c));
});

t.test("offline cleanup: on by default, waiting out the longest boot", async (t) => {
  const c = loadConfig(base, user);
  t.equal(c.RUNNER_GC_OFFLINE, true);
  t.equal(c.gcOfflineAfterSec, 300);
  // A runner is registered before its warm start ends: offline all that time.
  t.equal(loadConfig({ ...base, CI_STORAGE_HOST: "storage" }, user).gcOfflineAfterSec, 600 + 300);
  t.equal(loadConfig({ ...base, CI_STORAGE_HOST: "storage", CI_STORAGE_LOAD_TIMEOUT_SEC: "60" }, user).gcOfflineAfterSec, 360);
  t.equal(loadConfig({ ...base, CI_STORAGE_HOST: "storage", GC_OFFLINE_AFTER_SEC: "30" }, user).gcOfflineAfterSec, 30, "as set");
  t.equal(loadConfig({ ...base, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "120" }, user).gcOfflineAfterSec, 420, "the Docker wait counts too");
  t.equal(loadConfig({ ...base, RUNNER_GC_OFFLINE: "0" }, user).RUNNER_GC_OFFLINE, false);
});

t.test("GHES", async (t) => {
  const c = loadConfig({ ...base, GH_URL: "https://ghe.example.com/" }, user);
  t.equal(c.apiUrl, "https://ghe.example.com/api/v3");
  t.equal(c.scope?.url, "https://ghe.example.com/o/r");
});

const bad: [string, Record<string, string | undefined>][] = [
  ["GH_TOKEN", { GH_TOKEN: "" }],
  ["GH_REPOSITORY", { GH_REPOSITORY: "nope" }],
  ["GH_LABELS", { GH_LABELS: "a,,b" }],
  ["GH_LABELS", { GH_LABELS: "--ephemeral,linux" }],
  ["GH_LABELS", { GH_LABELS: "linux,-x" }],
  ["RUNNER_NAME", { RUNNER_NAME: "--ephemeral" }],
  ["RUNNER_NAME_PREFIX", { RUNNER_NAME_PREFIX: "-ci" }],
  ["TZ", { TZ: "Bad Zone!" }],
  ["TZ", { TZ: "Europe/Nowhere" }],
  ["TZ", { TZ: "Europe" }],
  ["WORKDIR_REPORT_INTERVAL_SEC", { WORKDIR_REPORT_INTERVAL_SEC: "0" }],
  ["GIT_CREDENTIAL_HELPER", { GIT_CREDENTIAL_HELPER: "git-credential-ci-runner" }],
  ["RUNNER_UPDATE_AT_BOOT", { RUNNER_UPDATE_AT_BOOT: "sometimes" }],
  ["RUNNER_UPDATE_MAX_AGE_DAYS", { RUNNER_UPDATE_MAX_AGE_DAYS: "-1" }],
  ["RUNNER_RELEASES_URL", { RUNNER_RELEASES_URL: "file:///tmp/latest.json" }],
  ["FORWARD_HOST", { FORWARD_HOST: "bad_host!", FORWARD_PORTS: "1" }],
  ["FORWARD_PORTS", { FORWARD_HOST: "h", FORWARD_PORTS: "70000" }],
  ["FORWARD_HOST", { FORWARD_HOST: "db localhost:5432", FORWARD_PORTS: "5432" }],
  ["FORWARD_HOST", { FORWARD_HOST: "127.0.0.1", FORWARD_PORTS: "5432" }],
  ["FORWARD_PORTS", { FORWARD_HOST: "h", FORWARD_PORTS: "5432 5432/tcp" }],
  ["FORWARD_PORTS", { FORWARD_HOST: "h", FORWARD_PORTS: "80/sctp" }],
  ["CI_STORAGE_HOST", { CI_STORAGE_HOST: "a@b@c" }],
  ["BTIME", { BTIME: "yesterday" }],
  ["DEBUG_SHUTDOWN_DELAY_SEC", { DEBUG_SHUTDOWN_DELAY_SEC: "-1" }],
  ["SHUTDOWN_TIMEOUT_SEC", { SHUTDOWN_TIMEOUT_SEC: "1.5" }],
  ["GH_URL", { GH_URL: "ftp://x" }],
  ["GH_URL", { GH_URL: "https://github.com/o" }],
  ["GH_URL", { GH_URL: "https://ghe.example.com/o/r" }],
  ["GH_URL", { GH_URL: "https://me:hunter2@ghe.example.com" }],
  // A token in a URL's query, fragment or user part (parsable or not), however the URL was set: not in the line.
  ["GH_URL", { GH_URL: "https://me:hunter2/x@ghe.example.com" }],
  // The API's host where the web URL goes: its API would be looked for at api.github.com/api/v3, a 404 blamed on the scope.
  ["GH_URL", { GH_URL: "https://api.github.com" }],
  ["GH_URL", { GH_URL: "https://api.octo.ghe.com/" }],
  ["GH_URL (set as GITHUB_URL)", { GH_REPOSITORY: undefined, GITHUB_URL: "https://api.github.com/o/r" }],
  ["GH_URL", { GH_URL: "https://ghe.example.com/#hunter2" }],
  ["GH_API_URL", { GH_API_URL: "https://api.example.com/?access_token=hunter2" }],
  ["GH_API_URL (set as GITHUB_API_HOST)", { GITHUB_API_HOST: "api.example.com?t=hunter2" }],
  ["GITHUB_URL", { GH_REPOSITORY: undefined, GITHUB_URL: "https://x:hunter2@github.com/a/b/c" }],
  ["REPO_URL", { GH_REPOSITORY: undefined, LABELS: "x", REPO_URL: "https://hunter2@github.com/a" }],
  ["GH_URL", { GH_URL: "https://github.com", GITHUB_HOST: "tok:hunter2@ghe.example.com" }],
  ["GH_TOKEN", { GH_TOKEN: "ghp_abc def" }],
  ["GH_TOKEN", { GH_TOKEN: "ghp_abc\ndef" }],
  ["GH_RUNNER_TOKEN", { GH_TOKEN: undefined, GH_RUNNER_TOKEN: "AREG\tTOKEN" }],
  // A paste's zero-width space or curly quote cannot go in an HTTP header: retried forever as a network error before.
  ["GH_TOKEN", { GH_TOKEN: "ghp_abc\u200bdef" }],
  ["GH_RUNNER_TOKEN", { GH_TOKEN: undefined, GH_RUNNER_TOKEN: "\u201cAREGTOKEN\u201d" }],
  // docker run --env-file keeps quotes: GH_TOKEN="ghp_..." is a token with quotes.
  ["GH_TOKEN", { GH_TOKEN: '"ghp_abcdefghijkl"' }],
  ["GH_TOKEN", { GH_TOKEN: "'ghp_abcdefghijkl'" }],
  ["GH_TOKEN (set as ACCESS_TOKEN)", { GH_TOKEN: undefined, ACCESS_TOKEN: "ghp_abc def" }],
  ["GH_REPOSITORY (set as REPO)", { GH_REPOSITORY: undefined, REPO: "not-a-repo" }],
  ["RUNNER_GROUP", { RUNNER_GROUP: "builders" }],
  // ssh cannot load these: the warm start and jobs' ssh found out, later and each on its own.
  ["CI_STORAGE_PRIVATE_KEY", { CI_STORAGE_PRIVATE_KEY: "hunter2-not-a-key" }],
  ["CI_STORAGE_PRIVATE_KEY", { CI_STORAGE_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\\nhunter2\\n-----END OPENSSH PRIVATE KEY-----" }],
  ["WORK_DIR", { WORK_DIR: "relative" }],
  // A cold start empties the work dir: it must not hold the runner, the cache, the hooks, the state or the secrets.
  ["WORK_DIR", { WORK_DIR: "/" }],
  ["WORK_DIR", { WORK_DIR: "/home" }],
  ["WORK_DIR", { WORK_DIR: "/home/runner" }],
  ["WORK_DIR", { WORK_DIR: "/var/cache" }],
  ["WORK_DIR", { WORK_DIR: "/srv", RUNNER_REGISTRATION_DIR: "/srv/kept" }],
  ["DIND", { DIND: "maybe" }],
];
for (const [name, env] of bad) {
  t.test(`bad ${name}: ${JSON.stringify(env)}`, async (t) => {
    const e = failure(() => loadConfig({ ...base, ...env }, user));
    t.ok(e instanceof ConfigError, "a ConfigError");
    t.equal((e as ConfigError).variable, name);
    t.ok(e.message.startsWith(`${name}: `), "the line starts with the variable");
    t.notMatch(e.message, /hunter2|ghp_abc|AREG/, "no secret in the line");
  });
}

t.test("RUNNER_GROUP: any group for an organization; only Default for a repository", async (t) => {
  t.equal(loadConfig({ ...base, GH_REPOSITORY: undefined, GH_ORG: "acme", RUNNER_GROUP: "builders" }, user).RUNNER_GROUP, "builders");
  t.equal(loadConfig({ ...base, RUNNER_GROUP: "Default" }, user).RUNNER_GROUP, "Default");
});

t.test("a token with whitespace only at its ends (a file's newline) is fine", async (t) => {
  t.equal(loadConfig({ ...base, GH_TOKEN: "  ghp_abcdefghijkl\n" }, user).credentials?.kind, "pat");
});

t.test("secret values never appear in errors", async (t) => {
  const e = failure(() => loadConfig({ ...base, GH_REPOSITORY: "x" }, user));
  t.notMatch(e.message, /ghp_/);
});

t.test("a variable set blank (an env file's `GH_TOKEN= `) does not hide its secret file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-secrets-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "GH_TOKEN"), "ghp_fromthesecretfile\r\n");
  for (const blank of ["", " ", "\t\n"]) {
    const c = loadConfig({ ...base, CI_RUNNER_SECRETS_DIR: dir, GH_TOKEN: blank }, user);
    t.same([c.credentials?.kind === "pat" && c.credentials.token, c.secretFiles], ["ghp_fromthesecretfile", ["GH_TOKEN"]], JSON.stringify(blank));
  }
});
