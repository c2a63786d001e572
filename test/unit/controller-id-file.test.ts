import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { ConfigError } from "../../src/config/config-error.ts";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { manyScopesControllerId } from "../../src/controller/controller-settings.ts";

// Every compose project mounts its file at the same path; each has a DATA_DIR volume of its own.
const FILE = "/etc/ci-runner/repos/repos.json";
const config = (env: Env) => loadConfig({ CI_RUNNER_SECRETS_DIR: "/nonexistent", REPOS_CONFIG_FILE: FILE, WEBHOOK_SECRET: "shared-secret", ...env }, undefined, "controller");
const dataDir = () => mkdtempSync(join(tmpdir(), "controller-id-"));

t.test("REPOS_CONFIG_FILE without CONTROLLER_ID: one id per DATA_DIR, made once and kept", async (t) => {
  const one = dataDir();
  const two = dataDir();
  const a = manyScopesControllerId(config({ DATA_DIR: one }));
  const b = manyScopesControllerId(config({ DATA_DIR: two }));
  t.match(a, /^[0-9a-f]{8}$/);
  t.not(a, b, "two projects with the same file path: two ids, so neither stops the other's runners");
  t.equal(readFileSync(join(one, "controller-id"), "utf8"), `${a}\n`, "kept in DATA_DIR/controller-id");
  t.equal(manyScopesControllerId(config({ DATA_DIR: one })), a, "the same after a restart: its containers are adopted");
});

t.test("a DATA_DIR an earlier version served from keeps the id its containers carry", async (t) => {
  const dir = dataDir();
  writeFileSync(join(dir, "controller-state.web.json"), "{}");
  const earlier = createHash("sha256").update(`repos ${FILE}`).digest("hex").slice(0, 8);
  t.equal(manyScopesControllerId(config({ DATA_DIR: dir })), earlier);
  t.equal(readFileSync(join(dir, "controller-id"), "utf8"), `${earlier}\n`);
});

t.test("CONTROLLER_ID wins and nothing is written; a damaged file is one line naming DATA_DIR", async (t) => {
  const dir = dataDir();
  t.equal(manyScopesControllerId(config({ DATA_DIR: dir, CONTROLLER_ID: "blue" })), "blue");
  t.notOk(existsSync(join(dir, "controller-id")));
  writeFileSync(join(dir, "controller-id"), "Not An Id\n");
  const e = (() => {
    try {
      manyScopesControllerId(config({ DATA_DIR: dir }));
    } catch (e) {
      return e;
    }
  })();
  t.ok(e instanceof ConfigError, "a ConfigError: exit 78");
  t.match((e as ConfigError).message, `DATA_DIR: ${join(dir, "controller-id")} holds "Not An Id", not a controller id`);
});
