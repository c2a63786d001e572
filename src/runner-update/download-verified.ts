import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { httpOpen } from "../http/http-open.ts";

/** A runner tarball is about 200 MB; past this it is not one. */
const MAX_TARBALL_BYTES = 2_000_000_000;

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

/** Streams `url` to `dest` through `dest.partial`, renamed once the SHA-256 matches: `dest` is absent or verified. */
export async function downloadVerified(url: string, dest: string, sha256: string, signal: AbortSignal): Promise<void> {
  const partial = `${dest}.partial`;
  const hash = createHash("sha256");
  try {
    const res = await httpOpen(url, { headers: { "user-agent": "ci-runner", accept: "application/octet-stream" }, signal, maxBodyBytes: MAX_TARBALL_BYTES });
    if (res.status !== 200) {
      res.discard();
      throw new Error(`${res.url.host} answered ${res.status} for ${res.url.pathname}`);
    }
    const hashed = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    };
    await pipeline(res.body, hashed, createWriteStream(partial, { mode: 0o644 }));
    const got = hash.digest("hex");
    if (got !== sha256) throw new Error(`checksum mismatch for ${url}: got ${got}, the release publishes ${sha256}`);
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
}
