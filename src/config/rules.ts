import { ConfigError } from "./config-error.ts";

/** A rule turns a raw string into a typed value or throws a ConfigError naming the variable. */
export type Rule<T> = (raw: string, name: string, secret: boolean) => T;

function shown(raw: string, secret: boolean): string {
  return secret ? "a value that is not shown (secret)" : `"${raw}"`;
}

export const text: Rule<string> = (raw) => raw;

export function pattern(re: RegExp, expected: string): Rule<string> {
  return (raw, name, secret) => {
    if (!re.test(raw)) throw new ConfigError(name, `expected ${expected}, got ${shown(raw, secret)}`);
    return raw;
  };
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  return (raw, name, secret) => {
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
      throw new ConfigError(name, `expected an integer ${range}, got ${shown(raw, secret)}`);
    }
    return n;
  };
}

export const flag: Rule<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off", ""].includes(v)) return false;
  throw new ConfigError(name, `expected 1/0, true/false, yes/no or on/off, got "${raw}"`);
};

export const absolutePath: Rule<string> = (raw, name) => {
  if (!raw.startsWith("/")) throw new ConfigError(name, `expected an absolute path, got "${raw}"`);
  return raw.replace(/\/+$/, "") || "/";
};

/** Comma-separated list, items trimmed, none empty. */
export const commaList: Rule<string[]> = (raw, name) => {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "" || /\s/.test(s))) {
    throw new ConfigError(name, `expected a comma-separated list of non-empty labels without spaces, got "${raw}"`);
  }
  // config.sh would read "--labels -x..." as a flag of its own.
  const dashed = items.find((s) => s.startsWith("-"));
  if (dashed !== undefined) throw new ConfigError(name, `label "${dashed}" starts with "-", which config.sh would read as an option`);
  return items;
};

/**
 * A URL as an error line may show it: its user and password, query and fragment replaced, where a token may sit
 * (`https://x:TOKEN@host`, `?access_token=TOKEN`). Also for values that do not parse: everything up to the last
 * `@` after the scheme, whatever it holds.
 */
export function shownUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, "$1***@").replace(/([?#]).*$/s, "$1***");
}

export const httpUrl: Rule<string> = (raw, name) => {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new ConfigError(name, `expected an http(s) URL such as https://github.com, got "${shownUrl(raw)}"`);
  }
  // It would be printed by `ci-runner config` and in log lines naming the URL.
  if (url.username || url.password) {
    throw new ConfigError(name, `must not carry a user or password ("${shownUrl(raw)}"); credentials have their own variables`);
  }
  return url.toString().replace(/\/+$/, "");
};

/** A GitHub server's root URL: a path would be pasted into every runner and API URL. */
export const serverUrl: Rule<string> = (raw, name, secret) => {
  const url = httpUrl(raw, name, secret);
  const { hostname } = new URL(url);
  // The API host is derived from the web host; given as the web host, its API would be sought at API/api/v3.
  if (hostname === "api.github.com" || /^api\.[^.]+\.ghe\.com$/.test(hostname)) {
    throw new ConfigError(name, `expected the web URL (https://${hostname.slice(4)}), got the API's "${url}"; the API's URL is derived from it (GH_API_URL sets another)`);
  }
  if (new URL(url).pathname !== "/") {
    throw new ConfigError(
      name,
      `expected the server's root URL (https://github.com, or https://HOST for GitHub Enterprise Server) without a path, got "${url}"; ` +
        "the repository, organization or enterprise goes in GH_REPOSITORY, GH_ORG or GH_ENTERPRISE",
    );
  }
  return url;
};

/**
 * A token: one word of printable ASCII, as GitHub's are. Anything else inside means a bad paste (a space, a
 * zero-width space, a curly quote) and cannot go in an HTTP header: Node refuses it before sending, which the
 * retry took for a network error forever.
 */
export const token: Rule<string> = (raw, name) => {
  const value = raw.trim();
  if (/[^\x21-\x7e]/.test(value)) {
    throw new ConfigError(name, "contains whitespace, control or non-ASCII characters (a zero-width space or curly quote from a paste?) inside (the value is secret, not shown); copy the token again");
  }
  // docker run --env-file and some .env readers keep quotes as part of the value.
  if (/^(["']).*\1$/.test(value)) throw new ConfigError(name, "is wrapped in quotes, which are kept as part of the value here (docker's --env-file keeps them); remove them");
  return raw;
};
