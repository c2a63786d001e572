import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { existsSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";

export interface SpawnAsOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  readonly stdio?: StdioOptions;
  /** Own session and process group, so that signals reach the whole tree (default true). */
  readonly ownGroup?: boolean;
}

let warnedNoSwitch = false;

/**
 * Spawns `command` as `user`. Switching from root goes through setpriv
 * (util-linux) because libuv's setuid path drops supplementary groups, and
 * the runner user must keep `docker` and friends. The pid is the command's
 * own: setpriv execs it.
 */
export function spawnAs(
  user: UserInfo,
  command: string,
  args: readonly string[],
  options: SpawnAsOptions,
  warn: (m: string) => void = () => {},
): ChildProcess {
  const myUid = process.getuid?.() ?? 0;
  let file = command;
  let argv = [...args];
  if (user.uid !== myUid) {
    if (myUid === 0 && existsSync("/usr/bin/setpriv")) {
      file = "/usr/bin/setpriv";
      argv = [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--", command, ...args];
    } else if (myUid === 0) {
      // No setpriv: libuv switches uid/gid (supplementary groups are lost).
      return spawn(command, argv, {
        env: options.env,
        cwd: options.cwd,
        stdio: options.stdio ?? "pipe",
        detached: options.ownGroup ?? true,
        uid: user.uid,
        gid: user.gid,
      });
    } else if (!warnedNoSwitch) {
      warnedNoSwitch = true;
      warn(`not running as root: cannot switch to user ${user.name}, running as uid ${myUid}`);
    }
  }
  return spawn(file, argv, {
    env: options.env,
    cwd: options.cwd,
    stdio: options.stdio ?? "pipe",
    detached: options.ownGroup ?? true,
  });
}
