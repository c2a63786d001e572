import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { formatSize } from "../warmstart/format-size.ts";
import { followRedirect, type RequestInit } from "./follow-redirect.ts";
import { HttpLimitError } from "./http-limit-error.ts";

/**
 * No request may hang the supervisor (a black-holed connection would, with
 * Node's defaults): one that goes this long without a byte, connecting,
 * waiting for the answer or in the middle of its body, is given up.
 */
const IDLE_TIMEOUT_MS = 30_000;
/** The largest answer held by default: API answers are a few kB, a page of 100 runners about 100 kB. */
export const MAX_BODY_BYTES = 4_000_000;
const MAX_REDIRECTS = 5;

const AGENT = { keepAlive: true, maxSockets: 4 };
const http = { request: httpRequest, agent: new HttpAgent(AGENT) };
let https: typeof http | undefined;

/** node:https and TLS (about 2 MiB of PID 1's memory) are loaded by the first https URL: plain-http hosts (IMDS, a proxy, the fakes) never need them. */
function httpsClient(): typeof http {
  if (https === undefined) {
    const mod = createRequire(import.meta.url)("node:https") as typeof import("node:https");
    https = { request: mod.request, agent: new mod.Agent(AGENT) };
  }
  return https;
}

export interface HttpInit extends RequestInit {
  readonly signal?: AbortSignal | null;
  /** Give up after this long without a byte (default IDLE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** The body fails past this many bytes (default MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
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
 * The supervisor's one HTTP client (GitHub's API, releases, IMDS,
 * CloudWatch), on node:http: fetch() would load undici and its WebAssembly
 * parser, about 15 MB of resident memory for a handful of calls an hour.
 * Follows up to 5 redirects (credentials stay with their origin, see
 * followRedirect), gives up after `timeoutMs` without a byte, and caps the
 * body. Rejects on a failed connection; any status resolves.
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
      url = next.url;
      current = { ...current, ...next.init };
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
