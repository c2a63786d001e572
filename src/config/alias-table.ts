import type { Alias, AliasEffect } from "./aliases.ts";
import type { Env } from "./load-config.ts";
import { has, MYOUNG34_SCOPE_VARS, myoung34ApiUrl, myoung34Flag, myoung34HostUrl, myoung34Scope, type Myoung34Scope, type Myoung34Truth } from "./myoung34.ts";
import { splitGitHubUrl } from "./split-github-url.ts";
import { VARS } from "./vars.ts";
import { runnerName } from "../runner/runner-name.ts";

/** PATs start with a known prefix (or are 40 hex chars, the old classic format); registration tokens do not. */
function looksLikePat(token: string): boolean {
  return /^(ghp_|github_pat_|gho_|ghu_|ghs_)/.test(token) || /^[0-9a-f]{40}$/.test(token);
}

const to = (target: string) => (value: string): AliasEffect => ({ set: { [target]: value } });

/** A switch of myoung34's image: `set` when it reads as true there, with its warning when ci-runner would read it otherwise. */
const toggles =
  (truth: Myoung34Truth, set: Record<string, string>, whenOn?: string) =>
  (value: string, name: string): AliasEffect => {
    const f = myoung34Flag(name, value, truth);
    if (!f.on) return f.warn ? { warn: f.warn } : {};
    if (whenOn) return { warn: `${name}: ${whenOn}` };
    return { set, ...(f.warn ? { warn: f.warn } : {}) };
  };

const noEffect = (why: string) => (_value: string, name: string): AliasEffect => ({ warn: `${name}: set, but without effect in ci-runner: ${why}` });

/** Already what ci-runner always does. */
const always = (): AliasEffect => ({});

/** REPO_URL, ORG_NAME or ENTERPRISE_NAME: the scope when myoung34's rules choose it, else ignored with one line. */
function scopeName(scope: Myoung34Scope) {
  return (value: string, name: string, env: Env): AliasEffect => {
    const chosen = myoung34Scope(env);
    if (chosen !== scope) {
      const by = has(env, "RUNNER_SCOPE") ? `RUNNER_SCOPE=${env.RUNNER_SCOPE?.trim()}` : has(env, "ORG_RUNNER") ? "ORG_RUNNER=true" : "myoung34's default scope, repo";
      return { warn: `${name}: ignored: ${by} makes ${MYOUNG34_SCOPE_VARS[chosen].name} the scope, as in myoung34's image` };
    }
    const set: Record<string, string> = scope === "repo" ? splitGitHubUrl(name, value, "GH_REPOSITORY") : { [MYOUNG34_SCOPE_VARS[scope].target]: value.trim() };
    // myoung34 registers with the label "default" when none is given; GH_LABELS is required otherwise.
    if (["GH_LABELS", "LABELS", "RUNNER_LABELS"].some((n) => has(env, n))) return { set };
    return { set: { ...set, GH_LABELS: "default" }, warn: `LABELS: unset, so the runner gets myoung34's default label "default" (set LABELS or GH_LABELS)` };
  };
}

/** Other runner images' names (other-images.ts says whose): each becomes its ci-runner variable, or warns once. */
export const ALIASES: readonly Alias[] = [
  // The seed images.
  { name: "GITHUB_URL", doc: "`GH_URL` + `GH_REPOSITORY` / `GH_ORG` / `GH_ENTERPRISE` (a repo, org or `enterprises/slug` URL; a root URL is `GH_URL` alone)", map: (v, n) => ({ set: splitGitHubUrl(n, v) }) },
  { name: "GITHUB_TOKEN", doc: "`GH_TOKEN` if it looks like a PAT (`ghp_`, `github_pat_`, ...), else `GH_RUNNER_TOKEN`", secret: true, map: (v) => ({ set: { [looksLikePat(v.trim()) ? "GH_TOKEN" : "GH_RUNNER_TOKEN"]: v } }) },
  { name: "ACCESS_TOKEN", doc: "`GH_TOKEN`", secret: true, map: to("GH_TOKEN") },
  { name: "REPO", doc: "`GH_REPOSITORY`", map: to("GH_REPOSITORY") },
  { name: "GITHUB_ACCESS_TOKEN", doc: "`GH_TOKEN`", secret: true, map: to("GH_TOKEN") },
  { name: "RUNNER_TOKEN", doc: "`GH_RUNNER_TOKEN`", secret: true, map: to("GH_RUNNER_TOKEN") },
  { name: "RUNNER_REPOSITORY_URL", doc: "`GH_URL` + `GH_REPOSITORY`", map: (v, n) => ({ set: splitGitHubUrl(n, v, "GH_REPOSITORY") }) },
  { name: "RUNNER_ORGANIZATION_URL", doc: "`GH_URL` + `GH_ORG`", map: (v, n) => ({ set: splitGitHubUrl(n, v, "GH_ORG") }) },
  { name: "RUNNER_LABELS", doc: "`GH_LABELS`", map: to("GH_LABELS") },
  { name: "RUNNER_WORKDIR", doc: "`WORK_DIR`", map: to("WORK_DIR") },

  // myoung34/docker-github-actions-runner (entrypoint.sh, token.sh, app_token.sh, README).
  { name: "RUNNER_SCOPE", doc: "chooses the scope as there: `repo` (the default) takes `REPO_URL`, `org` `ORG_NAME`, `ent` `ENTERPRISE_NAME`; the other two are ignored with a warning; another value is exit 78", map: (_v, _n, env) => (myoung34Scope(env), {}) },
  { name: "REPO_URL", doc: "`GH_URL` + `GH_REPOSITORY` (scope repo)", map: scopeName("repo") },
  { name: "ORG_NAME", doc: "`GH_ORG` (scope org)", map: scopeName("org") },
  { name: "ENTERPRISE_NAME", doc: "`GH_ENTERPRISE` (scope ent)", map: scopeName("ent") },
  {
    name: "ORG_RUNNER",
    doc: '`true`: scope org, as `RUNNER_SCOPE=org` (deprecated there too: a warning)',
    map: (v, n, env) => {
      const f = myoung34Flag(n, v, "exactly-true");
      if (!f.on) return f.warn ? { warn: f.warn } : {};
      if (has(env, "RUNNER_SCOPE")) return { warn: `${n}: ignored: RUNNER_SCOPE is set, as in myoung34's image` };
      myoung34Scope(env);
      return { warn: `${n}: deprecated in myoung34's image too; use RUNNER_SCOPE=org, or GH_ORG` };
    },
  },
  { name: "LABELS", doc: '`GH_LABELS`; unset (with a myoung34 scope), the label `default` as there, with a warning', map: to("GH_LABELS") },
  { name: "APP_ID", doc: "`GH_APP_ID`; kept out of hooks' and jobs' environments", hidden: true, map: to("GH_APP_ID") },
  { name: "APP_PRIVATE_KEY", doc: "`GH_APP_PRIVATE_KEY` (a literal `\\n` is a line break, as there); a secret", secret: true, map: (v) => ({ set: { GH_APP_PRIVATE_KEY: v.replace(/\\n/g, "\n") } }) },
  { name: "APP_LOGIN", doc: "not needed: the App's installation is looked up for the scope (`GH_APP_INSTALLATION_ID` pins one); a warning", hidden: true, map: noEffect("the GitHub App's installation is looked up for the scope; GH_APP_INSTALLATION_ID pins one") },
  { name: "GITHUB_HOST", doc: "`GH_URL=https://GITHUB_HOST`", map: (v) => ({ set: { GH_URL: myoung34HostUrl(v) } }) },
  { name: "GITHUB_API_HOST", doc: "`GH_API_URL=https://GITHUB_API_HOST` + `GITHUB_API_PATH` (default `/api/v3`)", map: (_v, _n, env) => ({ set: { GH_API_URL: myoung34ApiUrl(env) } }) },
  { name: "GITHUB_API_PATH", doc: "the path of `GH_API_URL`, as there", map: (_v, _n, env) => ({ set: { GH_API_URL: myoung34ApiUrl(env) } }) },
  { name: "EPHEMERAL", doc: "`RUNNER_EPHEMERAL=1` (any value, as there: `EPHEMERAL=false` too, with a warning)", map: toggles("any-value", { RUNNER_EPHEMERAL: "1" }) },
  { name: "NO_DEFAULT_LABELS", doc: "`RUNNER_NO_DEFAULT_LABELS=1` (any value, as there)", map: toggles("any-value", { RUNNER_NO_DEFAULT_LABELS: "1" }) },
  { name: "DISABLE_AUTO_UPDATE", doc: "always so: ci-runner passes `--disableupdate` (`RUNNER_UPDATE_AT_BOOT=1` updates at boot instead)", map: always },
  { name: "DISABLE_AUTOMATIC_DEREGISTRATION", doc: "`RUNNER_KEEP_REGISTRATION=1` (anything but `false`, as there)", map: toggles("not-false", { RUNNER_KEEP_REGISTRATION: "1" }) },
  { name: "CONFIGURED_ACTIONS_RUNNER_FILES_DIR", doc: "`RUNNER_REGISTRATION_DIR`", map: to("RUNNER_REGISTRATION_DIR") },
  { name: "START_DOCKER_SERVICE", doc: "`true`: `DIND=1` (the built-in hook starts dockerd; needs `--privileged` or sysbox)", map: toggles("exactly-true", { DIND: "1" }) },
  { name: "DEBUG_ONLY", doc: "`CI_RUNNER_DRY_RUN=1` (anything but `false`): print the configuration, exit 0, register nothing", map: toggles("not-false", { CI_RUNNER_DRY_RUN: "1" }) },
  { name: "DEBUG_OUTPUT", doc: "`true`: `CI_RUNNER_PRINT_CONFIG=1`", map: toggles("exactly-true", { CI_RUNNER_PRINT_CONFIG: "1" }) },
  { name: "UNSET_CONFIG_VARS", doc: "`true`: `HIDE_CONFIG_FROM_JOBS=1` (secrets are kept out of jobs' environments anyway)", map: toggles("exactly-true", { HIDE_CONFIG_FROM_JOBS: "1" }) },
  { name: "RANDOM_RUNNER_SUFFIX", doc: "`true`: `RUNNER_NAME_RANDOM_SUFFIX=1`; anything else: the host id, ci-runner's default. Unset it is not random here (there it is)", map: toggles("exactly-true", { RUNNER_NAME_RANDOM_SUFFIX: "1" }) },
  {
    name: "RUNNER_WORKDIR_ROOT",
    doc: "`WORK_DIR=RUNNER_WORKDIR_ROOT/<runner name>` (the name without a one-job runner's random suffix); ignored beside `RUNNER_WORKDIR`, as there",
    map: (v, n, env) => {
      if (has(env, "RUNNER_WORKDIR")) return { warn: `${n}: ignored: RUNNER_WORKDIR is set, as in myoung34's image` };
      const name = runnerName(env.RUNNER_NAME?.trim() || undefined, env.RUNNER_NAME_PREFIX?.trim() || VARS.RUNNER_NAME_PREFIX.default);
      return { set: { WORK_DIR: `${v.trim().replace(/\/+$/, "")}/${name}` } };
    },
  },
  {
    name: "RUN_AS_ROOT",
    doc: "not honoured: jobs run as `RUNNER_USER` (guest, passwordless sudo), never as root; `true` is a warning, anything else is as here",
    map: toggles("exactly-true", {}, "not honoured: jobs run as RUNNER_USER (guest, with passwordless sudo), never as root; use sudo in jobs"),
  },

  // actions-runner-controller's runner image (summerwind/actions-runner), as used outside ARC's scale sets.
  { name: "RUNNER_ORG", doc: "`GH_ORG`", map: to("GH_ORG") },
  { name: "RUNNER_REPO", doc: "`GH_REPOSITORY`", map: to("GH_REPOSITORY") },
  { name: "RUNNER_ENTERPRISE", doc: "`GH_ENTERPRISE`", map: to("GH_ENTERPRISE") },
  { name: "RUNNER_GROUPS", doc: "`RUNNER_GROUP`", map: to("RUNNER_GROUP") },
  { name: "DISABLE_RUNNER_UPDATE", doc: "always so: ci-runner passes `--disableupdate`", map: always },
  { name: "DISABLE_WAIT_FOR_DOCKER", doc: "always so: ci-runner does not wait for a Docker engine", map: always },
  { name: "DOCKER_ENABLED", doc: "no effect (a warning): nothing waits for a Docker sidecar; `DIND=1` starts dockerd in the container", map: noEffect("nothing waits for a Docker sidecar here; DIND=1 starts dockerd in the container") },
  { name: "STARTUP_DELAY_IN_SECONDS", doc: "no effect (a warning)", map: noEffect("the runner starts as soon as the hooks and the warm start are done") },
  { name: "RUNNER_FEATURE_FLAG_ONCE", doc: "no effect (a warning): `RUNNER_EPHEMERAL=1` is the one-job mode", map: noEffect("there is no --once mode; RUNNER_EPHEMERAL=1 runs one job") },
  { name: "RUNNER_HOME", doc: "no effect (a warning): the runner is installed in `RUNNER_DIR`", map: noEffect("the runner is installed in RUNNER_DIR") },
  { name: "RUNNER_ASSETS_DIR", doc: "no effect (a warning): the runner is installed in `RUNNER_DIR`", map: noEffect("the runner is installed in RUNNER_DIR") },
  ...["MTU", "DOCKER_REGISTRY_MIRROR", "DOCKER_DEFAULT_ADDRESS_POOL_BASE", "DOCKER_DEFAULT_ADDRESS_POOL_SIZE"].map(
    (name): Alias => ({
      name,
      doc: "no effect (a warning): configure dockerd in `/etc/docker/daemon.json` of a derived image (`DIND=1` starts it)",
      map: noEffect("configure dockerd in /etc/docker/daemon.json of a derived image (DIND=1 starts it)"),
    }),
  ),
];
