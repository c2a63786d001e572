import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body.ts";
import { readDelivery, type Delivery } from "./read-delivery.ts";

/** Far above any workflow_job payload (a few KB), far below what would strain memory under a flood. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The outcome of a delivery, named as /metrics counts them. */
export type DeliveryResult = "accepted" | "duplicate" | "not_ours" | "ignored" | "ping" | "unauthorized" | "too_large" | "malformed" | "unavailable";

/** Where one webhook path's deliveries go: one scope (an entry of REPOS_CONFIG_FILE, or the single one). */
export interface WebhookTarget {
  readonly secret: string;
  /** Applies a verified delivery (quickly: the work comes after the answer) and says what it was. */
  onDelivery(delivery: Delivery): DeliveryResult;
  /** Every answered POST to its path, for metrics and the log. */
  onResult(result: DeliveryResult, detail: string): void;
}

export interface HttpHandlers {
  /** The target of a POST to `path` (/webhook, /webhook/{id}), or what a 404 says. */
  webhook(path: string): WebhookTarget | string;
  health(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** After a stop signal: /webhook answers 503, so GitHub shows the delivery failed and it can be redelivered. */
  stopping(): boolean;
}

const STATUS: Record<DeliveryResult, number> = {
  accepted: 202,
  duplicate: 200,
  not_ours: 200,
  ignored: 200,
  ping: 200,
  unauthorized: 401,
  too_large: 413,
  malformed: 400,
  unavailable: 503,
};

function reply(res: ServerResponse, status: number, body: unknown, contentType = "application/json", close = false): void {
  if (res.headersSent) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), ...(close ? { connection: "close" } : {}) });
  res.end(text);
}

async function webhook(req: IncomingMessage, res: ServerResponse, h: HttpHandlers, target: WebhookTarget): Promise<void> {
  const answer = (result: DeliveryResult, detail: string): void => {
    // A body left unread (413, 503) would keep the connection busy: close it after the answer.
    if (!req.complete) res.setHeader("connection", "close");
    reply(res, STATUS[result], { result, detail });
    target.onResult(result, detail);
  };
  if (h.stopping()) return answer("unavailable", "the controller is stopping");
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (raw === "too-large") return answer("too_large", `the body is over ${MAX_BODY_BYTES} bytes`);
  const delivery = await readDelivery(req.headers, raw, target.secret);
  switch (delivery.kind) {
    case "unauthorized":
    case "malformed":
    case "ignored":
      return answer(delivery.kind, delivery.reason);
    case "ping":
      return answer("ping", "pong");
    case "job":
      return answer(target.onDelivery(delivery), `delivery ${delivery.deliveryId}: workflow_job ${delivery.event.id} ${delivery.event.state}`);
  }
}

/**
 * The controller's HTTP side: POST /webhook (or /webhook/{id}, one per
 * entry of REPOS_CONFIG_FILE), GET /health, GET /metrics; HTTPS when `tls`
 * is given (its certificate replaceable later through the server's
 * setSecureContext). Resolves once listening on `port` (0: any free port)
 * on all interfaces.
 */
export async function startHttpServer(
  port: number,
  h: HttpHandlers,
  opts: { host?: string; tls?: { cert: string; key: string } } = {},
): Promise<{ server: Server | HttpsServer; port: number }> {
  const listener: RequestListener = (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const run = async (): Promise<void> => {
      if (path === "/webhook" || path?.startsWith("/webhook/")) {
        const target = h.webhook(path);
        // Unread: the connection closes after the answer.
        if (typeof target === "string") return reply(res, 404, { message: target }, "application/json", true);
        if (req.method !== "POST") return reply(res, 405, { message: "POST only" });
        return webhook(req, res, h, target);
      }
      if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
        return reply(res, h.stopping() ? 503 : 200, h.health());
      }
      if (path === "/metrics" && req.method === "GET") {
        const m = await h.metrics();
        return reply(res, 200, m.body, m.contentType);
      }
      reply(res, 404, { message: "not found: POST /webhook, GET /health, GET /metrics" });
    };
    run().catch((e: unknown) => reply(res, 500, { message: e instanceof Error ? e.message : String(e) }));
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  // A client that trickles headers or a body must not hold a socket for minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // An idle connection is kept longer than the reverse proxies in front keep theirs (nginx's upstream keepalive
  // and AWS's load balancers: 60 s), so that none sends a delivery on a connection the controller is closing at
  // that moment: it would fail ("other side closed", a 502 for GitHub). Node's default is 5 s.
  server.keepAliveTimeout = 65_000;
  server.on("clientError", (_e, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, opts.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
