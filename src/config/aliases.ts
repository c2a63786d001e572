import { ConfigError } from "./config-error.ts";
import type { Env } from "./load-config.ts";

/** PATs start with a known prefix (or are 40 hex chars, the old classic format); registration tokens do not. */
export function looksLikePat(token: string): boolean {
  return /^(ghp_|github_pat_|gho_|ghu_|ghs_)/.test(token) || /^[0-9a-f]{40}$/.test(token);
}

/** `https://host/owner/repo`, `https://host/org` or `https://host/enterprises/slug` -> GH_URL and a scope variable. */
export function splitGitHubUrl(name: string, value: string, expect?: "GH_REPOSITORY" | "GH_ORG"): Record<string, string> {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(name, `expected a URL such as https://github.com/owner/repo, got "${value}"`);
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const base = `${url.protocol}//${url.host}`;
  let scope: [string, string] | undefined;
  if (parts.length === 2 && parts[0] === "enterprises") scope = ["GH_ENTERPRISE", parts[1] as string];
  else if (parts.length === 2) scope = ["GH_REPOSITORY", `${parts[0]}/${parts[1]}`];
  else if (parts.length === 1) scope = ["GH_ORG", parts[0] as string];
  if (!/^https?:$/.test(url.protocol) || !scope || (expect && scope[0] !== expect)) {
    const want = expect === "GH_ORG" ? "https://host/org" : expect === "GH_REPOSITORY" ? "https://host/owner/repo" : "https://host/owner/repo or https://host/org";
    throw new ConfigError(name, `expected ${want}, got "${value}"`);
  }
  return { GH_URL: base, [scope[0]]: scope[1] };
}

interface Alias {
  /** The other image's variable. */
  readonly name: string;
  /** Which seed image used it (for README). */
  readonly from: string;
  readonly secret?: boolean;
  readonly map: (value: string, name: string) => Record<string, string>;
}

/** Variable names of the seed images that ci-runner accepts too. */
export const ALIASES: readonly Alias[] = [
  { name: "GITHUB_URL", from: "seed 004", map: (v, n) => splitGitHubUrl(n, v) },
  { name: "GITHUB_TOKEN", from: "seed 004", secret: true, map: (v): Record<string, string> => (looksLikePat(v.trim()) ? { GH_TOKEN: v } : { GH_RUNNER_TOKEN: v }) },
  { name: "ACCESS_TOKEN", from: "seed 001", secret: true, map: (v) => ({ GH_TOKEN: v }) },
  { name: "REPO", from: "seed 001", map: (v) => ({ GH_REPOSITORY: v }) },
  { name: "GITHUB_ACCESS_TOKEN", from: "seed 002", secret: true, map: (v) => ({ GH_TOKEN: v }) },
  { name: "RUNNER_TOKEN", from: "seed 002", secret: true, map: (v) => ({ GH_RUNNER_TOKEN: v }) },
  { name: "RUNNER_REPOSITORY_URL", from: "seed 002", map: (v, n) => splitGitHubUrl(n, v, "GH_REPOSITORY") },
  { name: "RUNNER_ORGANIZATION_URL", from: "seed 002", map: (v, n) => splitGitHubUrl(n, v, "GH_ORG") },
  { name: "RUNNER_LABELS", from: "seed 004", map: (v) => ({ GH_LABELS: v }) },
  { name: "RUNNER_WORKDIR", from: "seed 004", map: (v) => ({ WORK_DIR: v }) },
];

/**
 * The environment with every alias turned into its ci-runner variable, and
 * for each variable that only an alias set, that alias's name (error lines
 * name what the user wrote). A ci-runner variable and an alias (or two
 * aliases) that both set it to different values is a ConfigError naming both.
 */
export function resolveAliases(env: Env): { env: Env; setAs: ReadonlyMap<string, string> } {
  const out: Record<string, string | undefined> = { ...env };
  const setBy = new Map<string, string>();
  for (const alias of ALIASES) {
    const value = env[alias.name];
    if (value === undefined || value.trim() === "") continue;
    for (const [target, mapped] of Object.entries(alias.map(value, alias.name))) {
      const current = out[target];
      if (current !== undefined && current.trim() !== "" && current.trim() !== mapped.trim()) {
        const other = setBy.get(target) ?? target;
        const shown = alias.secret ? "" : ` ("${current.trim()}" vs "${mapped.trim()}")`;
        throw new ConfigError(target, `${other} and ${alias.name} are both set and differ${shown}: set only one`);
      }
      out[target] = mapped;
      if (!setBy.has(target)) setBy.set(target, alias.name);
    }
  }
  const setAs = new Map([...setBy].filter(([target]) => !env[target]?.trim()));
  return { env: out, setAs };
}
