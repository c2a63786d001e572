import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { configFailure } from "../helpers/config-failure.ts";
import tar from "tar-stream";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { JIT_CONFIG_PATH } from "../../src/config/parse-volumes.ts";
import { controllerSettings } from "../../src/controller/controller-settings.ts";
import { jitArchive } from "../../src/controller/jit-archive.ts";

const PAT = "ghp_abcdefghijklmnop";
const base: Env = { CI_RUNNER_SECRETS_DIR: "/nonexistent", GH_TOKEN: PAT, GH_REPOSITORY: "o/r", GH_LABELS: "ctl", WEBHOOK_SECRET: "s3cret-value" };
const load = (env: Env) => loadConfig({ ...base, ...env }, undefined, "controller");

t.test("the controller's settings: defaults, and each bad value names its variable", async (t) => {
  const c = load({});
  t.match(c, { WEBHOOK_PORT: 8080, MAX_RUNNERS: 10, WARM_RUNNERS: 0, RUNNER_IMAGE: "ci-runner:ephemeral", RECONCILE_INTERVAL_SEC: 60, DATA_DIR: "/data" });
  const cases: [string, Env][] = [
    ["WEBHOOK_SECRET", { WEBHOOK_SECRET: "" }],
    ["WEBHOOK_PORT", { WEBHOOK_PORT: "70000" }],
    ["MAX_RUNNERS", { MAX_RUNNERS: "0" }],
    ["WARM_RUNNERS", { WARM_RUNNERS: "5", MAX_RUNNERS: "4" }],
    ["RUNNER_IMAGE", { RUNNER_IMAGE: "Not An Image" }],
    ["RECONCILE_INTERVAL_SEC", { RECONCILE_INTERVAL_SEC: "0" }],
    ["RUNNER_BOOT_TIMEOUT_SEC", { RUNNER_BOOT_TIMEOUT_SEC: "soon" }],
    ["DATA_DIR", { DATA_DIR: "data" }],
    ["CONTROLLER_ID", { CONTROLLER_ID: "Has_Caps" }],
    ["RUNNER_VOLUMES", { RUNNER_VOLUMES: "/host:relative" }],
    ["RUNNER_VOLUMES", { RUNNER_VOLUMES: "/host:/run/secrets:ro" }],
    ["RUNNER_VOLUMES", { RUNNER_VOLUMES: "/host:/run" }],
    ["RUNNER_PRIVILEGED", { RUNNER_PRIVILEGED: "maybe" }],
    ["GH_RUNNER_TOKEN", { GH_TOKEN: "", GH_RUNNER_TOKEN: "AABBCCDDEEFF" }],
    ["GH_LABELS", { GH_LABELS: "" }],
    ["GH_REPOSITORY", { GH_REPOSITORY: "" }],
  ];
  for (const [name, env] of cases) t.equal(configFailure(() => load(env)).variable, name, `${JSON.stringify(env)}: ${name}`);
  t.same(load({ RUNNER_VOLUMES: "cache:/var/cache/ci-storage /keys/k:/run/secrets/CI_STORAGE_PRIVATE_KEY:ro" }).RUNNER_VOLUMES, [
    "cache:/var/cache/ci-storage",
    "/keys/k:/run/secrets/CI_STORAGE_PRIVATE_KEY:ro",
  ]);
  t.equal(load({ GITHUB_URL: "https://github.com/acme", GH_REPOSITORY: "" }).scope?.apiPath, "orgs/acme", "the aliases work as for the runner");
  t.notMatch(configFailure(() => load({ WEBHOOK_SECRET: "two words" })).message, /two words/, "the secret is never shown");
});

t.test("controller settings: id, labels, the runners' env file", async (t) => {
  const s = controllerSettings(load({}));
  t.match(s.controllerId, /^[0-9a-f]{8}$/);
  t.equal(controllerSettings(load({})).controllerId, s.controllerId, "stable");
  t.not(controllerSettings(load({ GH_REPOSITORY: "o/other" })).controllerId, s.controllerId, "one per scope");
  t.equal(controllerSettings(load({ CONTROLLER_ID: "blue" })).controllerId, "blue");
  t.same(s.runnerLabels.slice(0, 2), ["self-hosted", "Linux"]);
  t.same(controllerSettings(load({ RUNNER_NO_DEFAULT_LABELS: "1" })).runnerLabels, ["ctl"]);
  const dir = mkdtempSync(join(tmpdir(), "ctl-env-"));
  writeFileSync(join(dir, "ok"), "# comment\nTZ=Europe/Berlin\n\nDIND=1\n");
  t.same(controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "ok") })).runnerEnv, { TZ: "Europe/Berlin", DIND: "1" });
  // A secret for the runners (the ci-storage key): a root-only file in their secrets dir, not in their environment.
  writeFileSync(join(dir, "key"), "CI_STORAGE_HOST=storage:22\nCI_STORAGE_PRIVATE_KEY<<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\nEOF\n");
  const withKey = controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "key") }));
  t.same(withKey.runnerEnv, { CI_STORAGE_HOST: "storage:22" }, "the key is not in the environment");
  t.same(withKey.runnerSecretFiles, { "/run/secrets/CI_STORAGE_PRIVATE_KEY": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----" });
  writeFileSync(join(dir, "keydir"), "CI_RUNNER_SECRETS_DIR=/etc/ci-secrets\nCI_STORAGE_PRIVATE_KEY=k\n");
  t.same(controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "keydir") })).runnerSecretFiles, { "/etc/ci-secrets/CI_STORAGE_PRIVATE_KEY": "k" }, "in the secrets dir the runners are told of");
  writeFileSync(join(dir, "pat"), "TZ=UTC\nGH_TOKEN=ghp_leak\n");
  const leak = configFailure(() => controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "pat") })));
  t.equal(leak.variable, "RUNNER_ENV_FILE");
  t.match(leak.message, /sets GH_TOKEN: runner containers get a JIT config from the controller and never a credential/);
  t.notMatch(leak.message, /ghp_leak/);
  writeFileSync(join(dir, "bad"), "not a line\n");
  t.match(configFailure(() => controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "bad") }))).message, /line 1: expected NAME=value/);
  t.equal(configFailure(() => controllerSettings(load({ RUNNER_ENV_FILE: join(dir, "missing") }))).variable, "RUNNER_ENV_FILE");
});

/** The entries of a tar archive: name, mode, owner and text. */
async function entriesOf(archive: Buffer): Promise<{ name: string; mode: number; uid: number; body: string }[]> {
  const entries: { name: string; mode: number; uid: number; body: string }[] = [];
  const extract = tar.extract();
  extract.on("entry", (h, stream, next) => {
    let body = "";
    stream.on("data", (c: Buffer) => (body += c.toString()));
    stream.on("end", () => {
      entries.push({ name: h.name, mode: h.mode ?? 0, uid: h.uid ?? -1, body });
      next();
    });
  });
  await new Promise((resolve) => {
    extract.on("finish", resolve);
    extract.end(archive);
  });
  return entries;
}

t.test("the JIT config travels as one root-only file at the supervisor's secret path", async (t) => {
  const archive = await jitArchive("eyJqaXQiOiJjb25maWcifQ==");
  const entries = await entriesOf(archive);
  const file = entries.find((e) => `/${e.name}` === JIT_CONFIG_PATH);
  t.match(file, { mode: 0o400, uid: 0, body: "eyJqaXQiOiJjb25maWcifQ==" });
  t.same(entries.map((e) => e.name), ["run/", "run/secrets/", "run/secrets/ACTIONS_RUNNER_INPUT_JITCONFIG"]);
});

t.test("RUNNER_ENV_FILE's secrets travel beside it, root-only files", async (t) => {
  const archive = await jitArchive("jit", { "/run/secrets/CI_STORAGE_PRIVATE_KEY": "key", "/etc/ci-secrets/OTHER": "x" });
  const entries = await entriesOf(archive);
  t.same(entries.map((e) => e.name), ["run/", "run/secrets/", "run/secrets/ACTIONS_RUNNER_INPUT_JITCONFIG", "run/secrets/CI_STORAGE_PRIVATE_KEY", "etc/", "etc/ci-secrets/", "etc/ci-secrets/OTHER"], "each directory once");
  t.match(entries.find((e) => e.name === "run/secrets/CI_STORAGE_PRIVATE_KEY"), { mode: 0o400, uid: 0, body: "key" });
});
