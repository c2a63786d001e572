import { ConfigError } from "./config-error.ts";
import type { Env } from "./load-config.ts";
import { flag } from "./rules.ts";

export type Myoung34Scope = "repo" | "org" | "ent";

/** The variable that names each scope of myoung34's image, and what it becomes here. */
export const MYOUNG34_SCOPE_VARS: Readonly<Record<Myoung34Scope, { name: string; target: string; what: string }>> = {
  repo: { name: "REPO_URL", target: "GH_REPOSITORY", what: "the repository URL, https://github.com/owner/repo" },
  org: { name: "ORG_NAME", target: "GH_ORG", what: "the organization's login" },
  ent: { name: "ENTERPRISE_NAME", target: "GH_ENTERPRISE", what: "the enterprise's slug" },
};

/** Set to something other than blanks. */
export const has = (env: Env, name: string): boolean => (env[name] ?? "").trim() !== "";

/**
 * The scope myoung34's image would register at: RUNNER_SCOPE (repo, org*, ent*; default repo), or the deprecated
 * ORG_RUNNER=true; without either, a lone ORG_NAME or ENTERPRISE_NAME names its own (there it would have failed
 * for want of REPO_URL). A ConfigError for an unknown RUNNER_SCOPE, or when the chosen scope's variable is unset.
 */
export function myoung34Scope(env: Env): Myoung34Scope {
  const raw = (env.RUNNER_SCOPE ?? "").trim();
  let scope: Myoung34Scope;
  if (raw !== "") {
    const named = (["org", "ent", "repo"] as const).find((prefix) => raw.toLowerCase().startsWith(prefix));
    if (named === undefined) throw new ConfigError("RUNNER_SCOPE", `expected repo, org or enterprise (myoung34's values), got "${raw}"`);
    scope = named;
  } else if ((env.ORG_RUNNER ?? "").trim() === "true") {
    scope = "org";
  } else {
    const named = (["org", "ent"] as const).filter((s) => has(env, MYOUNG34_SCOPE_VARS[s].name));
    scope = !has(env, "REPO_URL") && named.length === 1 ? (named[0] as Myoung34Scope) : "repo";
  }
  const { name, target, what } = MYOUNG34_SCOPE_VARS[scope];
  if (!has(env, name) && !has(env, target) && (raw !== "" || scope === "org")) {
    const chosenBy = raw !== "" ? `RUNNER_SCOPE=${raw}` : "ORG_RUNNER=true";
    throw new ConfigError(name, `required with ${chosenBy}: ${what} (or set ${target})`);
  }
  return scope;
}

/** A host as myoung34 takes it: with or without https:// and a trailing slash. */
const bareHost = (h: string) => h.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");

/** GITHUB_HOST (`github.example.com`) -> GH_URL. */
export function myoung34HostUrl(host: string): string {
  return `https://${bareHost(host)}`;
}

function apiPath(path: string | undefined, fallback: string): string {
  const p = (path ?? "").trim() || fallback;
  if (p === "/" || p === "") return "";
  return `/${p.replace(/^\/+/, "").replace(/\/+$/, "")}`;
}

/**
 * The REST base myoung34's token scripts use: https://GITHUB_API_HOST + GITHUB_API_PATH (default /api/v3); without
 * an API host, api.github.com for github.com (no default path), else GITHUB_HOST (default /api/v3).
 */
export function myoung34ApiUrl(env: Env): string {
  const host = bareHost(env.GITHUB_HOST ?? "") || "github.com";
  const apiHost = bareHost(env.GITHUB_API_HOST ?? "");
  if (apiHost !== "") return `https://${apiHost}${apiPath(env.GITHUB_API_PATH, "/api/v3")}`;
  if (host === "github.com") return `https://api.github.com${apiPath(env.GITHUB_API_PATH, "/")}`;
  return `https://${host}${apiPath(env.GITHUB_API_PATH, "/api/v3")}`;
}

/** How myoung34's entrypoint reads each of its switches. */
export type Myoung34Truth = "exactly-true" | "not-false" | "any-value";

const RULE: Record<Myoung34Truth, string> = {
  "exactly-true": 'only "true" is true',
  "not-false": 'anything but "false" is true',
  "any-value": "any value is true",
};

/**
 * A myoung34 switch read as that image reads it, so that its env files keep their meaning; `warn` when ci-runner's
 * own reading would say otherwise: `EPHEMERAL=false` is ephemeral there, and here too, but the user should know.
 */
export function myoung34Flag(name: string, value: string, truth: Myoung34Truth): { on: boolean; warn?: string } {
  const v = value.trim();
  const on = truth === "exactly-true" ? v === "true" : truth === "not-false" ? v !== "false" : v !== "";
  let ours: boolean | undefined;
  try {
    ours = flag(v, name, false);
  } catch {
    ours = undefined;
  }
  if (ours === on) return { on };
  return { on, warn: `${name}=${v} is read as ${on ? "true" : "false"}, as myoung34's image reads it (${RULE[truth]})` };
}
