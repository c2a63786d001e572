import type { Scope } from "./types.ts";

/** Route fragment capturing `<scope>` of the REST paths as the named group `scope`. */
export const SCOPE_PATTERN = "(?<scope>repos/[^/]+/[^/]+|orgs/[^/]+|enterprises/[^/]+)";

/**
 * The scope that a config.sh `--url` designates: `/OWNER/REPO` is a
 * repository, `/ORG` an organization, `/enterprises/NAME` an enterprise.
 */
export function scopeFromUrl(url: string): Scope | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 1) return normalizeScope(`orgs/${parts[0]}`);
  if (parts.length === 2) {
    return normalizeScope(parts[0]!.toLowerCase() === "enterprises" ? `enterprises/${parts[1]}` : `repos/${parts[0]}/${parts[1]}`);
  }
  return undefined;
}

/** GitHub names are case-insensitive: scopes are kept in lower case. */
export function normalizeScope(scope: string): Scope {
  return scope.toLowerCase();
}

/** The web path of a scope (`/OWNER/REPO`, `/ORG`, `/enterprises/NAME`): what goes after GH_URL. */
export function scopeWebPath(scope: Scope): string {
  if (scope.startsWith("repos/")) return "/" + scope.slice("repos/".length);
  if (scope.startsWith("orgs/")) return "/" + scope.slice("orgs/".length);
  return "/" + scope;
}

/** The account that owns a scope (repository owner, organization or enterprise slug). */
export function scopeAccount(scope: Scope): string {
  return scope.split("/")[1] ?? "";
}

/** Whether a job of `repository` (owner/repo) belongs to `scope`: its repository, its owner's organization, or an enterprise. */
export function scopeHoldsRepository(scope: Scope, repository: string): boolean {
  const s = normalizeScope(scope);
  const repo = repository.toLowerCase();
  if (s.startsWith("repos/")) return s === `repos/${repo}`;
  if (s.startsWith("orgs/")) return s === `orgs/${repo.split("/")[0]}`;
  return true;
}
