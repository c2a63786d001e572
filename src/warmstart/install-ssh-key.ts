import { chmodSync, existsSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import { makeOwnedDir, writeOwnedFile } from "./owned-file.ts";

/**
 * Installs the storage key as `~user/.ssh/id_rsa` (the name the original
 * image used; ssh and the ci-storage action find it there by default),
 * mode 600 in a 700 ~/.ssh, owned by the user. Returns the key file.
 */
export function installSshKey(user: UserInfo, key: string): string {
  const dir = `${user.home}/.ssh`;
  const existed = existsSync(dir);
  makeOwnedDir(dir, user, 0o700);
  if (existed) chmodSync(dir, 0o700);
  // OpenSSH rejects a PEM without its final newline, and CRLF from a Windows editor.
  const text = key.replace(/\r\n/g, "\n").replace(/\n*$/, "\n");
  const file = `${dir}/id_rsa`;
  writeOwnedFile(file, text, user, 0o600);
  return file;
}
