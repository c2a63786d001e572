import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { formatSize } from "../warmstart/format-size.ts";
import { HttpLimitError } from "./http-limit-error.ts";

/** No request may hang the supervisor (a black-holed connection would, with Node's defaults): this long without a byte, it is given up. */
const IDLE_TIMEOUT_MS = 30_000;
/** The largest answer held by default: API answers are a few kB, a page of 100 runners about 100 kB. */
export const MAX_BODY_BYTES = 4_000_000;
const MAX_REDIRECTS = 5;

const AGENT = { keepAlive: true, maxSockets: 4 };
/**
 * node:http by require, not by `import`: an ES module's import of a builtin reads every one of its exports,
 * and from Node 22 node:http's WebSocket, CloseEvent and MessageEvent are getters that load undici (fetch's
 * engine, which nothing here uses): about a quarter of the supervisor's start on the image's Node 24.
 */
const nodeHttp = createRequire(import.meta.url)("node:http") as typeof import("node:http");
const http = { request: nodeHttp.request, agent: new nodeHttp.Agent(AGENT) };
let https: typeof http | undefined;

/** node:https and TLS (about 2 MiB of PID 1's memory) are loaded by the first https URL: plain-http hosts (IMDS, a proxy, the fakes) never need them. */
function httpsClient(): typeof http {
  if (https === undefined) {
    const mod = createRequire(import.meta.url)("node:https") as typeof import("node:https");
    https = { request: mod.request, agent: new mod.Agent(AGENT) };
  }
  return https;
}

export interface HttpInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | null;
  readonly signal?: AbortSignal | null;
  /** Give up after this long without a byte (default IDLE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** The body fails past this many bytes (default MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that carry a credential: dropped for good once a redirect leaves their origin, as fetch drops Authorization. */
const CREDENTIALS = new Set(["authorization", "proxy-authorization", "cookie", "x-amz-security-token", "x-aws-ec2-metadata-token"]);
/** What describes a body, dropped with it. */
const BODY_HEADERS = new Set(["content-type", "content-length", "content-encoding"]);

function without(headers: Readonly<Record<string, string>> | undefined, names: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !names.has(name.toLowerCase())));
}

/**
 * The request a redirect answer asks for, or undefined when it is none. As fetch: 303, and 301/302 after a POST,
 * continue as a GET without body; another origin gets no credential. Unlike fetch, https never continues over
 * plain http (a downgrade would expose the request and the answer).
 */
export function followRedirect(from: URL, init: HttpInit, status: number, location: string | undefined): { url: URL; init: HttpInit } | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  if (!URL.canParse(location, from)) throw new HttpLimitError(`${from.host} redirected to an invalid URL (${JSON.stringify(location.slice(0, 100))}); not followed`);
  const url = new URL(location, from);
  if (url.protocol !== "https:" && (from.protocol === "https:" || url.protocol !== "http:")) {
    throw new HttpLimitError(`${from.host} redirected to ${url.protocol}//${url.host}; not followed (only https, or http from http)`);
  }
  let next = init;
  if (status === 303 || ((status === 301 || status === 302) && init.method === "POST")) {
    next = { ...next, method: next.method === "HEAD" ? "HEAD" : "GET", body: null, headers: without(next.headers, BODY_HEADERS) };
  }
  if (url.origin !== from.origin) next = { ...next, headers: without(next.headers, CREDENTIALS) };
  return { url, init: next };
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  /** Where the answer came from, after redirects. */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The body chunk by chunk, never held whole; throws past the size limit, at the idle timeout and on abort. */
  readonly body: AsyncIterable<Buffer>;
  /** Drops the body unread. */
  discard(): void;
}

function once(url: URL, init: HttpInit, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? httpsClient() : http;
    const req = client.request(url, {
      method: init.method ?? "GET",
      headers: init.headers,
      agent: client.agent,
      timeout: timeoutMs,
    });
    let res: IncomingMessage | undefined;
    // The body is read after this resolves: a timeout or abort must fail the body too, with its own reason.
    const fail = (err: Error) => {
      res?.destroy(err);
      req.destroy(err);
    };
    const signal = init.signal;
    const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error(`request to ${url.host} aborted`));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const forget = () => signal?.removeEventListener("abort", onAbort);
    req.on("timeout", () => fail(new Error(`no answer from ${url.host} within ${timeoutMs / 1000} s`)));
    req.on("error", (err) => {
      forget();
      reject(err);
    });
    req.on("response", (r) => {
      res = r;
      r.once("close", forget);
      resolve(r);
    });
    req.end(init.body ?? undefined);
  });
}

async function* capped(res: IncomingMessage, host: string, max: number): AsyncGenerator<Buffer> {
  const tooLarge = () => new HttpLimitError(`the answer from ${host} is larger than ${formatSize(max)}; not read`);
  if (Number(res.headers["content-length"]) > max) {
    res.destroy();
    throw tooLarge();
  }
  let read = 0;
  // Leaving the loop (throw, or a consumer that stops) destroys the response.
  for await (const chunk of res as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > max) throw tooLarge();
    yield chunk;
  }
}

/**
 * The supervisor's one HTTP client, on node:http: fetch() would load undici and its WebAssembly parser, about
 * 15 MB of resident memory for a handful of calls an hour. Follows redirects per followRedirect, gives up after
 * `timeoutMs` without a byte, and caps the body. Rejects on a failed connection; any status resolves.
 */
export async function httpOpen(input: string | URL, init: HttpInit = {}): Promise<HttpResponse> {
  const timeoutMs = init.timeoutMs ?? IDLE_TIMEOUT_MS;
  let url = new URL(String(input));
  let current: HttpInit = init;
  for (let hop = 0; ; hop++) {
    const res = await once(url, current, timeoutMs);
    const status = res.statusCode ?? 0;
    let next: ReturnType<typeof followRedirect>;
    try {
      next = followRedirect(url, current, status, res.headers.location);
    } catch (e) {
      res.destroy();
      throw e;
    }
    if (next) {
      res.destroy();
      if (hop >= MAX_REDIRECTS) throw new HttpLimitError(`${url.host} redirected more than ${MAX_REDIRECTS} times; not followed`);
      ({ url, init: current } = next);
      continue;
    }
    return {
      status,
      statusText: res.statusMessage ?? "",
      url,
      headers: res.headers,
      body: capped(res, url.host, init.maxBodyBytes ?? MAX_BODY_BYTES),
      discard: () => res.destroy(),
    };
  }
}
