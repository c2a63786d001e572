import type { IncomingMessage } from "node:http";

/**
 * The request body, or "too-large" as soon as it passes `max` bytes (the
 * rest is not read). GitHub's payloads are capped at 25 MB; a workflow_job
 * one is a few KB.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) return resolve("too-large");
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
