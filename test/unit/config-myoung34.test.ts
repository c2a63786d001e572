// myoung34's env files read as that image reads them: its scope rules, its
// three ways of reading a switch, its API host settings; and the GitHub
// Enterprise Cloud (data residency) API URL.
import t from "tap";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { APP_KEY_PEM } from "../helpers/app-key.ts";
import { configFailure as failure } from "../helpers/config-failure.ts";

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const load = (env: Env) => loadConfig({ CI_RUNNER_SECRETS_DIR: "/nonexistent", ...env }, user);
const pat = { ACCESS_TOKEN: "ghp_abcdefghijkl" };


t.test("RUNNER_SCOPE chooses among REPO_URL, ORG_NAME and ENTERPRISE_NAME; the others are ignored with one line each", async (t) => {
  const all = { ...pat, LABELS: "x", REPO_URL: "https://github.com/o/r", ORG_NAME: "acme", ENTERPRISE_NAME: "big" };
  const org = load({ ...all, RUNNER_SCOPE: "org" });
  t.equal(org.scope?.url, "https://github.com/acme");
  t.same(org.warnings, [
    "REPO_URL: ignored: RUNNER_SCOPE=org makes ORG_NAME the scope, as in myoung34's image",
    "ENTERPRISE_NAME: ignored: RUNNER_SCOPE=org makes ORG_NAME the scope, as in myoung34's image",
  ]);
  t.equal(load({ ...all, RUNNER_SCOPE: "Enterprise" }).scope?.url, "https://github.com/enterprises/big");
  t.equal(load({ ...all, RUNNER_SCOPE: "repo" }).scope?.url, "https://github.com/o/r");
  const dflt = load(all);
  t.equal(dflt.scope?.name, "o/r", "unset: repo, myoung34's default");
  t.match(dflt.warnings.join("\n"), /ORG_NAME: ignored: myoung34's default scope, repo makes REPO_URL the scope/);
});

t.test("RUNNER_SCOPE errors: an unknown value, or its variable missing, names the variable; exit 78", async (t) => {
  t.match(failure(() => load({ ...pat, RUNNER_SCOPE: "team", ORG_NAME: "acme" })).message, /^RUNNER_SCOPE: expected repo, org or enterprise \(myoung34's values\), got "team"/);
  t.match(failure(() => load({ ...pat, RUNNER_SCOPE: "org", LABELS: "x" })).message, /^ORG_NAME: required with RUNNER_SCOPE=org: the organization's login \(or set GH_ORG\)/);
  t.equal(load({ ...pat, RUNNER_SCOPE: "org", GH_ORG: "acme", LABELS: "x" }).scope?.name, "acme", "ci-runner's own name does too");
  t.match(failure(() => load({ ...pat, RUNNER_SCOPE: "repo", REPO_URL: "https://github.com/acme" })).message, /^REPO_URL: expected https:\/\/host\/owner\/repo/);
});

t.test("no LABELS: myoung34's label \"default\", with a warning saying so", async (t) => {
  const c = load({ ...pat, REPO_URL: "https://github.com/o/r" });
  t.same(c.GH_LABELS, ["default"]);
  t.same(c.warnings, ['LABELS: unset, so the runner gets myoung34\'s default label "default" (set LABELS or GH_LABELS)']);
  t.equal(failure(() => load({ ...pat, GH_REPOSITORY: "o/r" })).variable, "GH_LABELS", "ci-runner's own names still require labels");
});

t.test("switches keep myoung34's reading, and a warning says when ours would differ", async (t) => {
  const scope = { ...pat, REPO_URL: "https://github.com/o/r", LABELS: "x" };
  const eph = load({ ...scope, EPHEMERAL: "false" });
  t.ok(eph.RUNNER_EPHEMERAL, "EPHEMERAL: any value is ephemeral there");
  t.same(eph.warnings, ['EPHEMERAL=false is read as true, as myoung34\'s image reads it (any value is true)']);
  const dind = load({ ...scope, START_DOCKER_SERVICE: "1" });
  t.notOk(dind.DIND, "START_DOCKER_SERVICE: only true starts docker there");
  t.same(dind.warnings, ['START_DOCKER_SERVICE=1 is read as false, as myoung34\'s image reads it (only "true" is true)']);
  const keep = load({ ...scope, DISABLE_AUTOMATIC_DEREGISTRATION: "0" });
  t.ok(keep.RUNNER_KEEP_REGISTRATION, "anything but false");
  t.equal(keep.warnings.length, 1);
  const quiet = load({ ...scope, DISABLE_AUTOMATIC_DEREGISTRATION: "false", START_DOCKER_SERVICE: "false", RUN_AS_ROOT: "false", DEBUG_ONLY: "false" });
  t.same(quiet.warnings, [], "myoung34's own spelling of off says nothing");
  t.notOk(quiet.RUNNER_KEEP_REGISTRATION || quiet.DIND || quiet.CI_RUNNER_DRY_RUN);
});

t.test("an alias and its ci-runner variable agree in any spelling of the same value", async (t) => {
  const scope = { ...pat, REPO_URL: "https://github.com/o/r", LABELS: "x" };
  t.ok(load({ ...scope, EPHEMERAL: "true", RUNNER_EPHEMERAL: "yes" }).RUNNER_EPHEMERAL);
  t.match(failure(() => load({ ...scope, EPHEMERAL: "true", RUNNER_EPHEMERAL: "0" })).message, /^RUNNER_EPHEMERAL: RUNNER_EPHEMERAL and EPHEMERAL are both set and differ \("0" vs "1"\)/);
  t.match(failure(() => load({ ...scope, GH_REPOSITORY: "o/other" })).message, /GH_REPOSITORY and REPO_URL are both set and differ/);
  t.match(failure(() => load({ ...scope, GH_TOKEN: "ghp_zzzzzzzzzzzz" })).message, /^GH_TOKEN: GH_TOKEN and ACCESS_TOKEN are both set and differ: set only one$/, "secrets are not shown");
});

t.test("GITHUB_HOST, GITHUB_API_HOST and GITHUB_API_PATH as token.sh computes the API", async (t) => {
  const scope = { ...pat, ORG_NAME: "acme", LABELS: "x" };
  const ghes = load({ ...scope, GITHUB_HOST: "github.mycompany.com" });
  t.same([ghes.GH_URL, ghes.apiUrl, ghes.scope?.url], ["https://github.mycompany.com", "https://github.mycompany.com/api/v3", "https://github.mycompany.com/acme"]);
  const dr = load({ ...scope, GITHUB_HOST: "octo.ghe.com", GITHUB_API_HOST: "api.octo.ghe.com", GITHUB_API_PATH: "/" });
  t.same([dr.GH_URL, dr.apiUrl], ["https://octo.ghe.com", "https://api.octo.ghe.com"]);
  t.equal(load({ ...scope, GITHUB_HOST: "ghe.local", GITHUB_API_HOST: "api.ghe.local" }).apiUrl, "https://api.ghe.local/api/v3", "API path default /api/v3");
});

t.test("GitHub Enterprise Cloud with data residency: API at api.SUBDOMAIN.ghe.com; GH_API_URL overrides any layout", async (t) => {
  const scope = { GH_TOKEN: "ghp_abcdefghijkl", GH_ORG: "acme", GH_LABELS: "x" };
  const dr = load({ ...scope, GH_URL: "https://octo.ghe.com" });
  t.same([dr.apiUrl, dr.scope?.url], ["https://api.octo.ghe.com", "https://octo.ghe.com/acme"]);
  t.equal(load({ ...scope, GH_URL: "http://octo.ghe.com:8080" }).apiUrl, "http://api.octo.ghe.com:8080", "scheme and port kept");
  t.equal(load({ ...scope, GH_URL: "https://ghe.com.example.org" }).apiUrl, "https://ghe.com.example.org/api/v3", "a host merely containing ghe.com is GHES");
  t.equal(load({ ...scope, GH_URL: "https://ghe.example.com", GH_API_URL: "https://api.example.com/github/" }).apiUrl, "https://api.example.com/github");
  t.equal(failure(() => load({ ...scope, GH_API_URL: "api.example.com" })).variable, "GH_API_URL");
});

t.test("App: APP_ID + APP_PRIVATE_KEY with literal \\n; APP_LOGIN is needless, one line says so", async (t) => {
  const key = APP_KEY_PEM.replace(/\n/g, "\\n");
  const c = load({ REPO_URL: "https://github.com/o/r", LABELS: "x", APP_ID: "12", APP_PRIVATE_KEY: key, APP_LOGIN: "o" });
  t.equal(c.credentials?.kind, "app");
  t.match(c.GH_APP_PRIVATE_KEY ?? "", /^-----BEGIN RSA PRIVATE KEY-----\nMIIE/);
  t.same(c.warnings, ["APP_LOGIN: set, but without effect in ci-runner: the GitHub App's installation is looked up for the scope; GH_APP_INSTALLATION_ID pins one"]);
  t.ok(c.secrets.includes(key), "the raw value is masked too");
});

t.test("a kept registration and a JIT runner do not go together", async (t) => {
  const scope = { GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "x", RUNNER_REGISTRATION_DIR: "/kept" };
  t.match(failure(() => load({ ...scope, RUNNER_JIT: "1" })).message, /^RUNNER_REGISTRATION_DIR: a JIT runner \(RUNNER_JIT=1\) registers for one job and cannot be resumed/);
  t.match(failure(() => load({ RUNNER_REGISTRATION_DIR: "/kept", ACTIONS_RUNNER_INPUT_JITCONFIG: "eyJ4IjoxfQ==" })).message, /ACTIONS_RUNNER_INPUT_JITCONFIG/);
  t.equal(load(scope).RUNNER_REGISTRATION_DIR, "/kept");
});

t.test("RUNNER_KEEP_REGISTRATION turns the offline cleanup's default off: kept registrations are offline on purpose", async (t) => {
  const scope = { GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "x" };
  t.equal(load(scope).RUNNER_GC_OFFLINE, true, "on by default");
  t.equal(load({ ...scope, DISABLE_AUTOMATIC_DEREGISTRATION: "true" }).RUNNER_GC_OFFLINE, false);
  t.equal(load({ ...scope, RUNNER_KEEP_REGISTRATION: "1", RUNNER_GC_OFFLINE: "1" }).RUNNER_GC_OFFLINE, true, "unless set");
});
