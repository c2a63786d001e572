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
  return items;
};

export const httpUrl: Rule<string> = (raw, name) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected an http(s) URL such as https://github.com, got "${raw}"`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new ConfigError(name, `expected an http(s) URL such as https://github.com, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, "");
};
