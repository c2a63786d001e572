import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { match, notFound, send, sendError, type Exchange, type Route } from "./exchange.ts";
import type { FaultList, RateLimiter } from "./fault-list.ts";
import type { RequestRecord } from "./types.ts";

export interface Pipeline {
  /** GitHub's endpoints (REST, runner registration) and the fake's runner protocol: subject to faults. */
  routes: Route[];
  /** The test-control API under /_fake/ (never faulted, never rate-limited). */
  control: Route[];
  faults: FaultList;
  rateLimiter: RateLimiter;
  /** Called for each request once answered, with what a test may want to inspect. */
  record(entry: RequestRecord): void;
}

/** GitHub's wording for statuses a test typically injects. */
const FAULT_MESSAGES: Record<number, string> = {
  401: "Bad credentials",
  403: "Resource not accessible by personal access token",
  404: "Not Found",
  422: "Validation Failed",
};

const CONTROL = /^\/_fake\/(?!runner\/)/;
const RUNNER_PROTOCOL = /^\/_fake\/runner\//;

/** The fake's request handler: read the body, apply faults and rate limits, route, log. */
export function createRequestHandler(p: Pipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(p, req, res, Buffer.concat(chunks).toString("utf8"));
    });
  };
}

async function handle(p: Pipeline, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const viaApiV3 = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
  const path = viaApiV3 ? url.pathname.slice("/api/v3".length) || "/" : url.pathname;
  const ex: Exchange = {
    req,
    res,
    method: (req.method ?? "GET").toUpperCase(),
    path,
    query: url.searchParams,
    body,
    origin: `http://${req.headers.host ?? "127.0.0.1"}`,
    viaApiV3,
    params: {},
    extraHeaders: { "x-github-request-id": randomBytes(8).toString("hex").toUpperCase() },
  };
  const started = Date.now();
  res.on("finish", () => {
    p.record({ time: started, method: ex.method, path: req.url ?? "/", status: res.statusCode, headers: { ...req.headers }, body });
  });
  try {
    if (CONTROL.test(path)) {
      const route = match(p.control, ex);
      return route ? await route.handler(ex) : notFound(ex);
    }
    const fault = p.faults.take(ex.method, path);
    fault?.onArrive?.();
    if (fault?.delayMs) await delay(fault.delayMs, res);
    if (fault?.until) await untilSettled(fault.until, res);
    if (fault?.status !== undefined) {
      const fallback = { message: FAULT_MESSAGES[fault.status] ?? (fault.status >= 500 ? "Server Error" : "Fault injected"), documentation_url: "https://docs.github.com/rest", status: String(fault.status) };
      return send(ex, fault.status, fault.body ?? fallback, fault.headers ?? {});
    }
    if (!RUNNER_PROTOCOL.test(path)) {
      const limit = p.rateLimiter.account();
      Object.assign(ex.extraHeaders, limit.headers);
      // The runner-registration endpoint is not part of the REST "core" budget.
      if (limit.refusal && path !== "/actions/runner-registration") return send(ex, limit.refusal.status, limit.refusal.body);
    }
    const route = match(p.routes, ex);
    if (!route) return notFound(ex);
    await route.handler(ex);
  } catch (err) {
    sendError(ex, 500, `Server Error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Waits `ms`, or less when the client hangs up. */
function delay(ms: number, res: ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return untilSettled(new Promise((resolve) => (timer = setTimeout(resolve, ms))), res).finally(() => clearTimeout(timer));
}

/** Waits for `gate`, or less when the client hangs up. */
function untilSettled(gate: Promise<unknown>, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    gate.then(done, done);
    res.once("close", done);
  });
}
