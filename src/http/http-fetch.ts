import type { IncomingHttpHeaders } from "node:http";
import { httpOpen, type HttpInit } from "./http-open.ts";

/** The part of a fetch Response that @octokit/request and the other callers read. */
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

function headersOf(raw: IncomingHttpHeaders): FetchLikeResponse["headers"] {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) map.set(k.toLowerCase(), Array.isArray(v) ? v.join(", ") : v);
  }
  return { get: (name) => map.get(name.toLowerCase()) ?? null, [Symbol.iterator]: () => map.entries() };
}

/**
 * httpOpen in the shape of fetch's Response, the body read before it resolves: a body that fails (too large,
 * stalled) rejects here, where Octokit reports it, not later in `text()`, where Octokit would swallow it.
 */
export async function httpFetch(input: string | URL, init: HttpInit = {}): Promise<FetchLikeResponse> {
  const res = await httpOpen(input, init);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  return {
    status: res.status,
    statusText: res.statusText,
    url: res.url.toString(),
    ok: res.status >= 200 && res.status < 300,
    headers: headersOf(res.headers),
    body: null,
    text: () => Promise.resolve(body.toString("utf8")),
    json: async () => JSON.parse(body.toString("utf8")) as unknown,
    arrayBuffer: () => Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer),
  };
}
