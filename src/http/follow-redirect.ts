import { HttpLimitError } from "./http-limit-error.ts";

export interface RequestInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Headers that carry a credential: they are for the origin they were given
 * for, and are dropped for good once a redirect leaves it (as fetch drops
 * Authorization), so a redirect cannot hand the GitHub token, AWS session
 * token or IMDS token to another host.
 */
const CREDENTIALS = new Set(["authorization", "proxy-authorization", "cookie", "x-amz-security-token", "x-aws-ec2-metadata-token"]);
/** What describes a body, dropped with it. */
const BODY_HEADERS = new Set(["content-type", "content-length", "content-encoding"]);

function without(headers: Readonly<Record<string, string>> | undefined, names: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !names.has(name.toLowerCase())));
}

/**
 * The request that a redirect answer asks for, or undefined when the answer
 * is not a redirect. As fetch: 303, and 301/302 after a POST, continue as a
 * GET without body; another origin (scheme, host, port) gets no credential.
 * Unlike fetch, https never continues over plain http (a downgrade would
 * expose what the request carries and what the answer says).
 */
export function followRedirect(from: URL, init: RequestInit, status: number, location: string | undefined): { url: URL; init: RequestInit } | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    throw new HttpLimitError(`${from.host} redirected to an invalid URL (${JSON.stringify(location.slice(0, 100))}); not followed`);
  }
  if (url.protocol !== "https:" && (from.protocol === "https:" || url.protocol !== "http:")) {
    throw new HttpLimitError(`${from.host} redirected to ${url.protocol}//${url.host}; not followed (only https, or http from http)`);
  }
  let next: RequestInit = init;
  if (status === 303 || ((status === 301 || status === 302) && init.method === "POST")) {
    next = { ...next, method: next.method === "HEAD" ? "HEAD" : "GET", body: null, headers: without(next.headers, BODY_HEADERS) };
  }
  if (url.origin !== from.origin) next = { ...next, headers: without(next.headers, CREDENTIALS) };
  return { url, init: next };
}
