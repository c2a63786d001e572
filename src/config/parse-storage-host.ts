import { ConfigError } from "./config-error.ts";

export interface StorageHost {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  /** As given, `[user@]host[:port]`: what `~/ci-storage-host` holds for the ci-storage action. */
  readonly spec: string;
}

/** CI_STORAGE_HOST: `[user@]host[:port]`. */
export function parseStorageHost(value: string): StorageHost {
  const spec = value.trim();
  const m = /^(?:([a-zA-Z0-9_][-a-zA-Z0-9_.]*)@)?([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?)(?::(\d+))?$/.exec(spec);
  const port = m?.[4] === undefined ? undefined : Number(m[4]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new ConfigError("CI_STORAGE_HOST", `expected [user@]host[:port], got "${spec}"`);
  }
  return { user: m[1], host: m[2] as string, port, spec };
}
