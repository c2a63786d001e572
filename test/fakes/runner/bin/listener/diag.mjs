// The _diag log: one file per listener process, `_diag/Runner_YYYYMMDD-HHMMSS-utc.log`,
// lines `[YYYY-MM-DD HH:MM:SSZ INFO Source] message`.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

let current;

function stamp(date) {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function fileStamp(date) {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
}

/** Opens `_diag/<prefix>_<time>-utc.log` under `root`; returns its writer. */
export function openDiag(root, prefix = "Runner") {
  const dir = join(root, "_diag");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${prefix}_${fileStamp(new Date())}-utc.log`);
  const toStdout = (process.env.ACTIONS_RUNNER_PRINT_LOG_TO_STDOUT ?? "") !== "" && prefix === "Runner";
  const write = (type, source, message) => {
    const text = `[${stamp(new Date())} ${type} ${source}] ${message}\n`;
    appendFileSync(file, text);
    if (toStdout) process.stdout.write(text);
  };
  return {
    file,
    info: (source, message) => write("INFO", source, message),
    warn: (source, message) => write("WARN", source, message),
    error: (source, message) => write("ERR ", source, message),
  };
}

/** The listener's own diag log (a no-op writer until main() opened it). */
export function diag() {
  return current ?? { file: "", info() {}, warn() {}, error() {} };
}

export function setDiag(writer) {
  current = writer;
}
