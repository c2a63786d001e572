import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** No GitHub call may hang the supervisor (a black-holed connection would, with fetch's defaults). */
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 4 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };

/** The part of a fetch Response that @octokit/request reads. */
export interface FetchLikeResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null; [Symbol.iterator](): Iterator<[string, string]> };
  readonly body: null;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | null;
  signal?: AbortSignal | null;
}

function headersOf(res: IncomingMessage): FetchLikeResponse["headers"] {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) map.set(k.toLowerCase(), Array.isArray(v) ? v.join(", ") : v);
  }
  return { get: (name) => map.get(name.toLowerCase()) ?? null, [Symbol.iterator]: () => map.entries() };
}

function once(url: URL, init: FetchInit): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: init.method ?? "GET",
      headers: init.headers,
      agent: https ? agents.https : agents.http,
      timeout: REQUEST_TIMEOUT_MS,
      signal: init.signal ?? undefined,
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url.host} within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ res, body: Buffer.concat(chunks) }));
    });
    req.end(init.body ?? undefined);
  });
}

/**
 * A fetch for Octokit on node:http: fetch() would load undici and its
 * WebAssembly parser, about 15 MB of the supervisor's resident memory for
 * a handful of calls an hour; and it adds a per-request timeout.
 */
export async function httpFetch(input: string | URL, init: FetchInit = {}): Promise<FetchLikeResponse> {
  let url = new URL(String(input));
  let current = { ...init };
  for (let hop = 0; ; hop++) {
    const { res, body } = await once(url, current);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && hop < MAX_REDIRECTS) {
      url = new URL(location, url);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without body.
      if (status === 303 || ((status === 301 || status === 302) && current.method === "POST")) current = { ...current, method: "GET", body: null };
      continue;
    }
    const text = () => Promise.resolve(body.toString("utf8"));
    return {
      status,
      statusText: res.statusMessage ?? "",
      url: url.toString(),
      ok: status >= 200 && status < 300,
      headers: headersOf(res),
      body: null,
      text,
      json: async () => JSON.parse(body.toString("utf8")) as unknown,
      arrayBuffer: () => Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer),
    };
  }
}
