// Every variable name of a known runner image is either honoured (it changes
// the configuration as that image meant) or warned about, never silently
// ignored. A name added to OTHER_IMAGES or ALIASES without a row here fails.
import t from "tap";
import { ALIASES } from "../../src/config/alias-table.ts";
import { loadConfig, type Config, type Env } from "../../src/config/load-config.ts";
import { OTHER_IMAGES } from "../../src/config/other-images.ts";
import { VARS } from "../../src/config/vars.ts";
import { SECRET_ENV_NAMES } from "../../src/process/child-env.ts";
import { APP_KEY_PEM } from "../helpers/app-key.ts";

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const base: Env = { GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "a,b", CI_RUNNER_SECRETS_DIR: "/nonexistent" };
const load = (env: Env) => loadConfig({ ...base, ...env }, user);
const KEY = APP_KEY_PEM;
const noScope = { GH_REPOSITORY: undefined };

interface Row {
  readonly env: Env;
  /** Honoured: true for the configuration it makes, false for the base one. */
  readonly honoured?: (c: Config) => boolean;
  /** Warned about: one warning line naming the variable (with `honoured` too: both). */
  readonly warns?: boolean;
}

const ROWS: Record<string, Row> = {
  GITHUB_URL: { env: { ...noScope, GITHUB_URL: "https://ghe.example.com/o/r2" }, honoured: (c) => c.GH_URL === "https://ghe.example.com" && c.scope?.name === "o/r2" },
  GITHUB_TOKEN: { env: { GH_TOKEN: undefined, GITHUB_TOKEN: "AABBCCDDEEFF" }, honoured: (c) => c.credentials?.kind === "runner-token" },
  ACCESS_TOKEN: { env: { GH_TOKEN: undefined, ACCESS_TOKEN: "ghp_other0000" }, honoured: (c) => c.GH_TOKEN === "ghp_other0000" },
  REPO: { env: { ...noScope, REPO: "a/b" }, honoured: (c) => c.scope?.name === "a/b" },
  GITHUB_ACCESS_TOKEN: { env: { GH_TOKEN: undefined, GITHUB_ACCESS_TOKEN: "ghp_other0000" }, honoured: (c) => c.GH_TOKEN === "ghp_other0000" },
  RUNNER_TOKEN: { env: { GH_TOKEN: undefined, RUNNER_TOKEN: "AABBCCDDEEFF" }, honoured: (c) => c.credentials?.kind === "runner-token" },
  RUNNER_REPOSITORY_URL: { env: { ...noScope, RUNNER_REPOSITORY_URL: "https://github.com/a/b" }, honoured: (c) => c.scope?.name === "a/b" },
  RUNNER_ORGANIZATION_URL: { env: { ...noScope, RUNNER_ORGANIZATION_URL: "https://github.com/acme" }, honoured: (c) => c.scope?.kind === "organization" },
  RUNNER_LABELS: { env: { GH_LABELS: undefined, RUNNER_LABELS: "x,y" }, honoured: (c) => c.GH_LABELS?.join() === "x,y" },
  RUNNER_WORKDIR: { env: { RUNNER_WORKDIR: "/w" }, honoured: (c) => c.WORK_DIR === "/w" },
  RUNNER_SCOPE: { env: { ...noScope, RUNNER_SCOPE: "ent", ENTERPRISE_NAME: "big", ORG_NAME: "acme" }, honoured: (c) => c.scope?.kind === "enterprise", warns: true },
  REPO_URL: { env: { ...noScope, REPO_URL: "https://github.com/a/b" }, honoured: (c) => c.scope?.name === "a/b" },
  ORG_NAME: { env: { ...noScope, ORG_NAME: "acme" }, honoured: (c) => c.scope?.kind === "organization" },
  ENTERPRISE_NAME: { env: { ...noScope, ENTERPRISE_NAME: "big" }, honoured: (c) => c.scope?.kind === "enterprise" },
  ORG_RUNNER: { env: { ...noScope, ORG_RUNNER: "true", ORG_NAME: "acme", REPO_URL: "https://github.com/a/b" }, honoured: (c) => c.scope?.kind === "organization", warns: true },
  LABELS: { env: { GH_LABELS: undefined, LABELS: "x,y" }, honoured: (c) => c.GH_LABELS?.join() === "x,y" },
  APP_ID: { env: { GH_TOKEN: undefined, APP_ID: "12", GH_APP_PRIVATE_KEY: KEY }, honoured: (c) => c.credentials?.kind === "app" },
  APP_PRIVATE_KEY: { env: { GH_TOKEN: undefined, GH_APP_ID: "12", APP_PRIVATE_KEY: KEY.replace(/\n/g, "\\n") }, honoured: (c) => c.GH_APP_PRIVATE_KEY === KEY },
  APP_LOGIN: { env: { APP_LOGIN: "acme" }, warns: true },
  GITHUB_HOST: { env: { GITHUB_HOST: "https://ghe.example.com/" }, honoured: (c) => c.GH_URL === "https://ghe.example.com" && c.apiUrl === "https://ghe.example.com/api/v3" },
  GITHUB_API_HOST: { env: { GH_URL: "https://octo.ghe.com", GITHUB_API_HOST: "api.octo.ghe.com", GITHUB_API_PATH: "/" }, honoured: (c) => c.GH_API_URL === "https://api.octo.ghe.com" },
  GITHUB_API_PATH: { env: { GITHUB_API_PATH: "/custom" }, honoured: (c) => c.apiUrl === "https://api.github.com/custom" },
  EPHEMERAL: { env: { EPHEMERAL: "1" }, honoured: (c) => c.RUNNER_EPHEMERAL && c.oneJob },
  NO_DEFAULT_LABELS: { env: { NO_DEFAULT_LABELS: "true" }, honoured: (c) => c.RUNNER_NO_DEFAULT_LABELS },
  DISABLE_AUTO_UPDATE: { env: { DISABLE_AUTO_UPDATE: "true" } },
  DISABLE_AUTOMATIC_DEREGISTRATION: { env: { DISABLE_AUTOMATIC_DEREGISTRATION: "true" }, honoured: (c) => c.RUNNER_KEEP_REGISTRATION },
  CONFIGURED_ACTIONS_RUNNER_FILES_DIR: { env: { CONFIGURED_ACTIONS_RUNNER_FILES_DIR: "/kept" }, honoured: (c) => c.RUNNER_REGISTRATION_DIR === "/kept" },
  START_DOCKER_SERVICE: { env: { START_DOCKER_SERVICE: "true" }, honoured: (c) => c.DIND },
  DEBUG_ONLY: { env: { DEBUG_ONLY: "true" }, honoured: (c) => c.CI_RUNNER_DRY_RUN },
  DEBUG_OUTPUT: { env: { DEBUG_OUTPUT: "true" }, honoured: (c) => c.CI_RUNNER_PRINT_CONFIG },
  UNSET_CONFIG_VARS: { env: { UNSET_CONFIG_VARS: "true" }, honoured: (c) => c.HIDE_CONFIG_FROM_JOBS },
  RANDOM_RUNNER_SUFFIX: { env: { RANDOM_RUNNER_SUFFIX: "true" }, honoured: (c) => c.RUNNER_NAME_RANDOM_SUFFIX },
  RUNNER_WORKDIR_ROOT: { env: { RUNNER_WORKDIR_ROOT: "/shared/", RUNNER_NAME: "r1" }, honoured: (c) => c.WORK_DIR === "/shared/r1" },
  RUN_AS_ROOT: { env: { RUN_AS_ROOT: "true" }, warns: true },
  RUNNER_ORG: { env: { ...noScope, RUNNER_ORG: "acme" }, honoured: (c) => c.scope?.kind === "organization" },
  RUNNER_REPO: { env: { ...noScope, RUNNER_REPO: "a/b" }, honoured: (c) => c.scope?.name === "a/b" },
  RUNNER_ENTERPRISE: { env: { ...noScope, RUNNER_ENTERPRISE: "big" }, honoured: (c) => c.scope?.kind === "enterprise" },
  RUNNER_GROUPS: { env: { ...noScope, GH_ORG: "acme", RUNNER_GROUPS: "builders" }, honoured: (c) => c.RUNNER_GROUP === "builders" },
  DISABLE_RUNNER_UPDATE: { env: { DISABLE_RUNNER_UPDATE: "true" } },
  DISABLE_WAIT_FOR_DOCKER: { env: { DISABLE_WAIT_FOR_DOCKER: "true" } },
  DOCKER_ENABLED: { env: { DOCKER_ENABLED: "true" }, warns: true },
  STARTUP_DELAY_IN_SECONDS: { env: { STARTUP_DELAY_IN_SECONDS: "5" }, warns: true },
  RUNNER_FEATURE_FLAG_ONCE: { env: { RUNNER_FEATURE_FLAG_ONCE: "true" }, warns: true },
  RUNNER_HOME: { env: { RUNNER_HOME: "/runner" }, warns: true },
  RUNNER_ASSETS_DIR: { env: { RUNNER_ASSETS_DIR: "/runnertmp" }, warns: true },
  MTU: { env: { MTU: "1400" }, warns: true },
  DOCKER_REGISTRY_MIRROR: { env: { DOCKER_REGISTRY_MIRROR: "https://mirror" }, warns: true },
  DOCKER_DEFAULT_ADDRESS_POOL_BASE: { env: { DOCKER_DEFAULT_ADDRESS_POOL_BASE: "10.0.0.0/8" }, warns: true },
  DOCKER_DEFAULT_ADDRESS_POOL_SIZE: { env: { DOCKER_DEFAULT_ADDRESS_POOL_SIZE: "24" }, warns: true },
};

t.test("every variable of every known image is a ci-runner variable or an alias, and every alias belongs to an image", async (t) => {
  const aliases = new Set(ALIASES.map((a) => a.name));
  for (const image of OTHER_IMAGES) {
    for (const name of image.vars) t.ok(name in VARS || aliases.has(name), `${image.key}: ${name} is read`);
  }
  const listed = new Set(OTHER_IMAGES.flatMap((i) => i.vars));
  for (const name of aliases) t.ok(listed.has(name), `${name} belongs to an image in OTHER_IMAGES`);
  t.equal(aliases.size, ALIASES.length, "no alias twice");
});

t.test("a row below for every alias", async (t) => {
  t.same(ALIASES.map((a) => a.name).filter((n) => !(n in ROWS)), [], "aliases without a row");
});

const baseConfig = load({});
t.same(baseConfig.warnings, [], "the base environment warns about nothing");
for (const [name, row] of Object.entries(ROWS)) {
  t.test(`${name}=${JSON.stringify(row.env[name])}: ${row.honoured ? "honoured" : ""}${row.honoured && row.warns ? " and " : ""}${row.warns ? "warned about" : ""}${!row.honoured && !row.warns ? "already so" : ""}`, async (t) => {
    const c = load(row.env);
    const about = c.warnings.filter((w) => w.includes(name));
    if (row.honoured) {
      t.ok(row.honoured(c), "the configuration it makes");
      t.notOk(row.honoured(baseConfig), "not the base configuration");
    }
    if (row.warns) t.ok(about.length >= 1, `a warning naming ${name}: ${JSON.stringify(c.warnings)}`);
    else t.same(c.warnings, [], "no warning");
    if (!row.honoured && !row.warns) {
      const strip = ({ warnings: _w, ...rest }: Config) => JSON.stringify(rest);
      t.equal(strip(c), strip(baseConfig), "ci-runner already behaves so: nothing changes");
    }
  });
}

t.test("secret and hidden names of the table and the aliases never reach a child's environment", async (t) => {
  for (const name of ["GH_TOKEN", "GH_APP_PRIVATE_KEY", "GH_APP_ID", "GH_APP_INSTALLATION_ID", "ACCESS_TOKEN", "RUNNER_TOKEN", "APP_ID", "APP_PRIVATE_KEY", "APP_LOGIN"]) {
    t.ok(SECRET_ENV_NAMES.has(name), name);
  }
  t.notOk(SECRET_ENV_NAMES.has("LABELS"), "not every name");
});
