import { isUtf8 } from "node:buffer";
import { verify } from "@octokit/webhooks-methods";
import { parseWorkflowJob, type WorkflowJobEvent } from "./workflow-job-event.ts";

/** What one POST to /webhook is, decided before anything acts on it. */
export type Delivery =
  | { readonly kind: "unauthorized"; readonly reason: string }
  | { readonly kind: "malformed"; readonly reason: string }
  | { readonly kind: "ping" }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "job"; readonly event: WorkflowJobEvent; readonly deliveryId: string };

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks `X-Hub-Signature-256` over the raw body first (constant time, by
 * @octokit/webhooks-methods), and only then parses. The library hashes a
 * string as UTF-8: for a body that is valid UTF-8 that is exactly its bytes;
 * any other body cannot carry GitHub's signature and is refused unread.
 */
export async function readDelivery(headers: Record<string, string | string[] | undefined>, raw: Buffer, secret: string): Promise<Delivery> {
  const signature = header(headers, "x-hub-signature-256");
  if (signature === undefined) return { kind: "unauthorized", reason: "no X-Hub-Signature-256 header" };
  if (!SIGNATURE.test(signature)) return { kind: "unauthorized", reason: "X-Hub-Signature-256 is not sha256=<64 hex digits>" };
  if (raw.length === 0 || !isUtf8(raw) || !(await verify(secret, raw.toString("utf8"), signature))) {
    return { kind: "unauthorized", reason: "X-Hub-Signature-256 does not match the body (a wrong WEBHOOK_SECRET?)" };
  }
  const event = header(headers, "x-github-event");
  if (event === "ping") return { kind: "ping" };
  if (event !== "workflow_job") return { kind: "ignored", reason: `event ${event ?? "(none)"}` };
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString("utf8"));
  } catch {
    return { kind: "malformed", reason: "the body is not JSON" };
  }
  const job = parseWorkflowJob(payload);
  if (job === "unknown action") return { kind: "ignored", reason: "a workflow_job action this controller does not know" };
  if (typeof job === "string") return { kind: "malformed", reason: job };
  return { kind: "job", event: job, deliveryId: header(headers, "x-github-delivery") ?? "(no X-GitHub-Delivery)" };
}
