import { existsSync, readFileSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import { shellQuote } from "./shell-quote.ts";
import { writeOwnedFile } from "./owned-file.ts";

const BEGIN = "# >>> ci-runner: written at every boot, edits inside are replaced >>>";
const END = "# <<< ci-runner <<<";

/**
 * Makes a login shell of `user` land in `dir`: a marked block at the end of
 * ~/.bash_profile, replaced (not appended again) at every boot; other lines
 * are kept. A login bash reads ~/.bash_profile instead of ~/.profile, so
 * the block sources ~/.profile (and with it ~/.bashrc) unless the rest of
 * the file already does.
 */
export function writeLoginProfile(user: UserInfo, dir: string): string {
  const file = `${user.home}/.bash_profile`;
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const kept = old.replace(new RegExp(`\\n?${escape(BEGIN)}[\\s\\S]*?${escape(END)}\\n?`, "g"), "\n").replace(/\n+$/, "");
  const sourcesProfile = /(^|[\s;&|])(\.|source)\s+(~|\$HOME|"\$HOME")\/\.(profile|bashrc)\b/m.test(kept);
  const block = [
    BEGIN,
    ...(sourcesProfile ? [] : ["if [ -f ~/.profile ]; then . ~/.profile; fi"]),
    `cd ${shellQuote(dir)} 2>/dev/null || true`,
    END,
  ].join("\n");
  writeOwnedFile(file, kept === "" ? `${block}\n` : `${kept}\n\n${block}\n`, user, 0o644);
  return file;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
