import { userInfo } from "node:os";
import type { UserInfo } from "./lookup-user.ts";

/** The user the supervisor runs as (root in the image): root hooks run as this user. */
export function currentUser(): UserInfo {
  const u = userInfo();
  return { name: u.username, uid: u.uid, gid: u.gid, home: u.homedir, shell: u.shell ?? "/bin/sh" };
}
