import type { StorageHost } from "../config/parse-storage-host.ts";

export interface SshOptions {
  /** Private key file (the installed copy of CI_STORAGE_PRIVATE_KEY). */
  readonly keyFile: string;
  /** Give up when the host does not answer (TCP connect and SSH banner) within this many seconds. */
  readonly connectTimeoutSec: number;
}

/**
 * The ssh command line, as words: the ci-storage tool's options (no host key
 * checks, quiet, -p<port>), plus what a boot-time load needs: the key,
 * no prompts (BatchMode) and a connect timeout.
 */
export function sshCommand(host: StorageHost, opts: SshOptions): string[] {
  return [
    "ssh",
    "-oStrictHostKeyChecking=no",
    "-oUserKnownHostsFile=/dev/null",
    "-oLogLevel=error",
    ...(host.port === undefined ? [] : [`-p${host.port}`]),
    "-oBatchMode=yes",
    `-oConnectTimeout=${opts.connectTimeoutSec}`,
    "-oServerAliveInterval=15",
    "-oServerAliveCountMax=4",
    "-i",
    opts.keyFile,
  ];
}

/** `[user@]host` for ssh and rsync (no user: ssh's default, the current user). */
export function sshDestination(host: StorageHost): string {
  return host.user === undefined ? host.host : `${host.user}@${host.host}`;
}
