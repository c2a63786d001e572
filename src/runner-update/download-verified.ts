import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { pipeline } from "node:stream/promises";

/** A stalled transfer gives up after this long without a byte. */
const IDLE_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;

/** Lower-case hex SHA-256 of a file; undefined when it cannot be read. */
export async function fileSha256(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    await pipeline(createReadStream(path), hash);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      headers: { "user-agent": "ci-runner", accept: "application/octet-stream" },
      timeout: IDLE_TIMEOUT_MS,
      signal,
    });
    req.on("timeout", () => req.destroy(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.on("response", resolve);
    req.end();
  });
}

async function open(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  for (let hop = 0; ; hop++) {
    const res = await get(url, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && hop < MAX_REDIRECTS) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new Error(`${url.host} answered ${status} for ${url.pathname}`);
    }
    return res;
  }
}

/**
 * Streams `url` to `dest` (through `dest.partial`, renamed only once the
 * SHA-256 matches), so that `dest` is either absent or a verified file;
 * throws with a one-line reason otherwise.
 */
export async function downloadVerified(url: string, dest: string, sha256: string, signal: AbortSignal): Promise<void> {
  const partial = `${dest}.partial`;
  const hash = createHash("sha256");
  try {
    const res = await open(new URL(url), signal);
    res.on("data", (chunk: Buffer) => hash.update(chunk));
    await pipeline(res, createWriteStream(partial, { mode: 0o644 }), { signal });
    const got = hash.digest("hex");
    if (got !== sha256) throw new Error(`checksum mismatch for ${url}: got ${got}, the release publishes ${sha256}`);
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
}
