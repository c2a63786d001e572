import { chownSync, mkdtempSync, rmSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import { runProcess } from "../process/start-process.ts";

/**
 * How long an idle master stays by itself: the transfer attaches within
 * milliseconds, and close() ends it at once; this bounds only a master
 * whose close never ran.
 */
export const PERSIST_SEC = 120;

/**
 * One ssh connection for the listing and the transfer (OpenSSH's connection
 * sharing): the listing's ssh becomes the master and stays in the background,
 * rsync's ssh runs its session over it, so the load pays one key exchange
 * and login instead of two (0.3-0.6 s on a busy machine, more over a
 * network's round trips). Should the master be gone by then, rsync's ssh
 * connects by itself.
 */
export interface SshMux {
  /** Options of the listing's ssh: it starts the master. */
  readonly master: readonly string[];
  /** Options of rsync's ssh: a session over the master. */
  readonly client: readonly string[];
  /** Ends the master (if it runs) and removes its socket dir. Never throws. */
  close(ssh: readonly string[], destination: string, run: { user: UserInfo; env: Record<string, string> }): Promise<void>;
}

/**
 * A socket dir in `tmpDir` that only `user` can enter (another user could
 * otherwise run commands over the master). The listing's ssh fails when it
 * cannot create the socket, so `tmpDir` must be one the user can pass
 * through, as /tmp is; where no dir can be made, the two connect separately.
 */
export function openSshMux(user: UserInfo, tmpDir = "/tmp"): SshMux {
  let dir: string;
  try {
    dir = mkdtempSync(`${tmpDir}/ci-runner-ssh-`);
    chownSync(dir, user.uid, user.gid);
  } catch {
    return { master: [], client: [], close: async () => {} };
  }
  const path = `-oControlPath=${dir}/mux`;
  const client = ["-oControlMaster=no", path];
  return {
    master: ["-oControlMaster=yes", path, `-oControlPersist=${PERSIST_SEC}`],
    client,
    async close(ssh, destination, run) {
      try {
        await runProcess(ssh[0] as string, [...ssh.slice(1), ...client, "-O", "exit", destination], { ...run });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
