import { ConfigError } from "./config-error.ts";

/** Where runners are registered: one repository, organization or enterprise. */
export interface Scope {
  readonly kind: "repository" | "organization" | "enterprise";
  readonly variable: "GH_REPOSITORY" | "GH_ORG" | "GH_ENTERPRISE";
  /** REST path prefix: `repos/owner/repo`, `orgs/org`, `enterprises/slug`. */
  readonly apiPath: string;
  /** config.sh's --url. */
  readonly url: string;
  readonly name: string;
}

/** Exactly one of GH_REPOSITORY, GH_ORG, GH_ENTERPRISE (none is allowed only when `optional`). */
export function resolveScope(
  ghUrl: string,
  values: { GH_REPOSITORY?: string | undefined; GH_ORG?: string | undefined; GH_ENTERPRISE?: string | undefined },
  optional: boolean,
): Scope | undefined {
  const set = (["GH_REPOSITORY", "GH_ORG", "GH_ENTERPRISE"] as const).filter((n) => values[n] !== undefined);
  if (set.length > 1) throw new ConfigError(set.join(", "), `set exactly one scope; ${set.join(" and ")} are all set`);
  const variable = set[0];
  if (variable === undefined) {
    if (optional) return undefined;
    throw new ConfigError("GH_REPOSITORY", "required: set the scope, one of GH_REPOSITORY (owner/repo), GH_ORG or GH_ENTERPRISE");
  }
  const name = values[variable] as string;
  switch (variable) {
    case "GH_REPOSITORY":
      return { kind: "repository", variable, apiPath: `repos/${name}`, url: `${ghUrl}/${name}`, name };
    case "GH_ORG":
      return { kind: "organization", variable, apiPath: `orgs/${name}`, url: `${ghUrl}/${name}`, name };
    case "GH_ENTERPRISE":
      return { kind: "enterprise", variable, apiPath: `enterprises/${name}`, url: `${ghUrl}/enterprises/${name}`, name };
  }
}
