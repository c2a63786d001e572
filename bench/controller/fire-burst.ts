import { Agent, request } from "node:http";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

/** GitHub marks a delivery failed when no answer came in this long. */
const GITHUB_TIMEOUT_MS = 10_000;

/**
 * POSTs every body at once (bodies and signatures made beforehand), as
 * `workflow_job` deliveries signed with `secret`, over up to 100
 * connections. Returns each answer's time (ms, from the last byte of the
 * request sent to the last byte of the answer: the receiver's time, its
 * queue included, not the sender's) and how many got none within GitHub's 10 s.
 */
export async function fireBurst(url: string, secret: string, bodies: readonly string[]): Promise<{ ms: number[]; failed: number }> {
  const signatures = await Promise.all(bodies.map((b) => sign(secret, b)));
  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const target = new URL(url);
  const one = (body: string, signature: string): Promise<number | undefined> =>
    new Promise((resolve) => {
      let started = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, timeout: GITHUB_TIMEOUT_MS },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode && res.statusCode < 300 ? performance.now() - started : undefined));
        },
      );
      req.setHeader("content-type", "application/json");
      req.setHeader("x-github-event", "workflow_job");
      req.setHeader("x-github-delivery", randomUUID());
      req.setHeader("x-hub-signature-256", signature);
      req.on("finish", () => (started = performance.now()));
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(undefined));
      req.end(body);
    });
  const results = await Promise.all(bodies.map((b, i) => one(b, signatures[i] as string)));
  agent.destroy();
  const ms = results.filter((r): r is number => r !== undefined);
  return { ms, failed: results.length - ms.length };
}
