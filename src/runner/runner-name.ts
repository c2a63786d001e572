import { hostname } from "node:os";
import { nodeCrypto as crypto } from "../node-crypto.ts";

/**
 * RUNNER_NAME, else `<prefix>-<host id>`: the hostname (Docker's short id: unique across `--scale`, stable across
 * restarts so that `--replace` reuses it), hashed when not a plain id. `random`: one-job runners' names must never repeat.
 */
export function runnerName(explicit: string | undefined, prefix: string, random = false, host = hostname()): string {
  if (explicit) return explicit;
  const id = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/.test(host) ? host : crypto().createHash("sha256").update(host).digest("hex").slice(0, 12);
  const suffix = random ? `-${crypto().randomBytes(4).toString("hex")}` : "";
  return `${prefix}-${id}${suffix}`.slice(0, 64);
}
