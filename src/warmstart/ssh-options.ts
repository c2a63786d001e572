import type { StorageHost } from "../config/parse-storage-host.ts";

export interface SshOptions {
  /** Private key file (the installed copy of CI_STORAGE_PRIVATE_KEY). */
  readonly keyFile: string;
  /** Give up when the host does not answer (TCP connect and SSH banner) within this many seconds. */
  readonly connectTimeoutSec: number;
}

/**
 * AES-GCM first, ahead of OpenSSH's default chacha20-poly1305: x86-64 and
 * arm64 run it in hardware. Loading 1.07 GB, the local ssh spent 0.8 s of
 * user CPU with it instead of 1.5 s (bench/warmstart/README.md), and a
 * transfer on a busy machine takes about as long as its CPU share allows.
 * `^` keeps the rest of the default list behind it, so a host without GCM
 * still negotiates.
 */
export const CIPHER_PREFERENCE = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com";

/**
 * The ssh command line, as words: the ci-storage tool's options (no host key
 * checks, quiet, -p<port>), plus what a boot-time load needs: the key,
 * no prompts (BatchMode), a connect timeout, the faster cipher, and no
 * compression (ssh's default, the one measured) whatever ~/.ssh/config says.
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
    `-oCiphers=${CIPHER_PREFERENCE}`,
    "-oCompression=no",
    "-i",
    opts.keyFile,
  ];
}

/** `[user@]host` for ssh and rsync (no user: ssh's default, the current user). */
export function sshDestination(host: StorageHost): string {
  return host.user === undefined ? host.host : `${host.user}@${host.host}`;
}
