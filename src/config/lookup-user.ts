import { readFileSync } from "node:fs";

export interface UserInfo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** Reads /etc/passwd directly: no getpwnam in Node, and no NSS beyond files inside a container. */
export function lookupUser(name: string, passwd = "/etc/passwd"): UserInfo | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 7) {
      return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || "/", shell: f[6] || "/bin/sh" };
    }
  }
  return undefined;
}
