import { ConfigError } from "./config-error.ts";
import { shownUrl } from "./rules.ts";

/** A repo, org or `enterprises/slug` URL -> GH_URL and a scope variable; a root URL (as ARC's image takes it) -> GH_URL alone. */
export function splitGitHubUrl(name: string, value: string, expect?: "GH_REPOSITORY" | "GH_ORG"): Record<string, string> {
  if (!URL.canParse(value.trim())) throw new ConfigError(name, `expected a URL such as https://github.com/owner/repo, got "${shownUrl(value.trim())}"`);
  const url = new URL(value.trim());
  const parts = url.pathname.split("/").filter(Boolean);
  const base = `${url.protocol}//${url.host}`;
  let scope: [string, string] | undefined;
  if (parts.length === 2 && parts[0] === "enterprises") scope = ["GH_ENTERPRISE", parts[1] as string];
  else if (parts.length === 2) scope = ["GH_REPOSITORY", `${parts[0]}/${parts[1]}`];
  else if (parts.length === 1) scope = ["GH_ORG", parts[0] as string];
  const rootOk = parts.length === 0 && !expect;
  if (!/^https?:$/.test(url.protocol) || (!scope && !rootOk) || (expect && scope?.[0] !== expect)) {
    const want = expect === "GH_ORG" ? "https://host/org" : expect === "GH_REPOSITORY" ? "https://host/owner/repo" : "https://host/owner/repo or https://host/org";
    throw new ConfigError(name, `expected ${want}, got "${shownUrl(value.trim())}"`);
  }
  return scope ? { GH_URL: base, [scope[0]]: scope[1] } : { GH_URL: base };
}
