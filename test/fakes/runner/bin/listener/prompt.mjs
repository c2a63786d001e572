// Asking for a missing value, as the listener's PromptManager does: under
// --unattended take the default or fail; otherwise prompt on the console.
// Secrets are read key by key, which crashes without a console (the
// documented failure of `config.sh remove` without a token).
import { readSync } from "node:fs";
import { write } from "./term.mjs";

export const NO_CONSOLE =
  "Cannot read keys when either application does not have a console or when console input has been redirected. Try Console.Read.";

function readLineSync() {
  const buf = Buffer.alloc(1);
  let text = "";
  for (;;) {
    let n = 0;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch {
      return text === "" ? undefined : text;
    }
    if (n === 0) return text === "" ? undefined : text;
    const ch = buf.toString("utf8");
    if (ch === "\n") return text;
    text += ch;
  }
}

/** The value for `name`, from `given` or a prompt. */
export function readValue(name, description, { given, defaultValue = "", optional = false, secret = false, unattended = false } = {}) {
  if (given !== undefined && given !== "") return given;
  if (unattended) {
    if (defaultValue !== "") return defaultValue;
    if (optional) return "";
    throw new Error(`Invalid configuration provided for ${name}. Terminating unattended configuration.`);
  }
  write(`${description} `);
  if (defaultValue !== "") write(`[press Enter for ${defaultValue}] `);
  else if (optional) write("[press Enter to skip] ");
  if (secret && !process.stdin.isTTY) throw new Error(NO_CONSOLE);
  const value = (readLineSync() ?? "").trim();
  if (value !== "") return value;
  if (defaultValue !== "") return defaultValue;
  if (optional) return "";
  // The real listener would prompt forever on a closed stdin; a test fixture must not hang.
  throw new Error(`Invalid configuration provided for ${name}. Terminating unattended configuration.`);
}
