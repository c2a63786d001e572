// Console output the way Runner.Listener's Terminal writes it, mirrored
// into the _diag log ("WRITE LINE: ..." / "WRITE ERROR: ...").
import { diag } from "./diag.mjs";

/** `YYYY-MM-DD HH:MM:SSZ` (UTC), .NET's "u" format used by the listener's lines. */
export function utc(date = new Date()) {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function line(text = "") {
  process.stdout.write(`${text}\n`);
  diag().info("Terminal", `WRITE LINE: ${text}`);
}

/** Text without a newline (prompts). */
export function write(text) {
  process.stdout.write(text);
}

export function section(title) {
  process.stdout.write(`\n# ${title}\n\n`);
}

export function success(text) {
  process.stdout.write(`√ ${text}\n`);
  diag().info("Terminal", `WRITE LINE: √ ${text}`);
}

export function error(text) {
  process.stderr.write(`${text}\n`);
  diag().error("Terminal", `WRITE ERROR: ${text}`);
}
