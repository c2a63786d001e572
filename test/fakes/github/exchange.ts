import type { IncomingMessage, ServerResponse } from "node:http";

/** One request and its response, as the fake's handlers see them. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Path without query and without the GHES `/api/v3` prefix. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
  /** `http://<Host header>`: what this client uses to reach the fake (127.0.0.1 or host.docker.internal). */
  readonly origin: string;
  /** Whether the client called the GHES-style `/api/v3` base. */
  readonly viaApiV3: boolean;
  /** Named groups of the route pattern. */
  params: Record<string, string>;
  /** Headers every response of this exchange carries (rate limits on REST). */
  readonly extraHeaders: Record<string, string>;
}

export type Handler = (ex: Exchange) => void | Promise<void>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** GitHub's error documentation root. */
export const DOCS = "https://docs.github.com/rest";

export function send(ex: Exchange, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (ex.res.headersSent) return;
  const all = { ...ex.extraHeaders, ...headers };
  if (body === undefined) {
    ex.res.writeHead(status, all);
    ex.res.end();
    return;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  ex.res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...all });
  ex.res.end(text);
}

/** A `basic-error` body: `{message, documentation_url, status}`. */
export function sendError(ex: Exchange, status: number, message: string, documentationUrl = DOCS): void {
  send(ex, status, { message, documentation_url: documentationUrl, status: String(status) });
}

export function notFound(ex: Exchange): void {
  sendError(ex, 404, "Not Found");
}

/** The request body as JSON, or undefined when it is not an object. */
export function jsonBody(ex: Exchange): Record<string, unknown> | undefined {
  if (ex.body.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(ex.body);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Finds the route for an exchange and fills `ex.params`; undefined when none matches. */
export function match(routes: readonly Route[], ex: Exchange): Route | undefined {
  for (const route of routes) {
    if (route.method !== ex.method) continue;
    const m = route.pattern.exec(ex.path);
    if (!m) continue;
    ex.params = { ...(m.groups ?? {}) };
    return route;
  }
  return undefined;
}

/** Whether any route serves this path with another method (for 404 vs 405-ish answers). */
export function pathKnown(routes: readonly Route[], path: string): boolean {
  return routes.some((r) => r.pattern.test(path));
}
