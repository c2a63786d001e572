import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { FATAL_PATTERNS, type ListenerEvent } from "./parse-listener-line.ts";
import type { RunnerProcess } from "./runner-process.ts";

const DIAG_SCAN_MS = 5000;
/** Read at most this much new diag log per scan: a chatty runner must not cost memory. */
const MAX_READ = 1 << 20;

/** The newest `_diag/Runner_*.log`, or undefined. */
function newestDiagLog(runnerDir: string): string | undefined {
  try {
    const last = readdirSync(`${runnerDir}/_diag`).filter((n) => /^Runner_.*\.log$/.test(n)).sort().at(-1);
    return last === undefined ? undefined : `${runnerDir}/_diag/${last}`;
  } catch {
    return undefined;
  }
}

/** Calls `onFatal` once when the runner's output or newest diag log shows a FATAL_PATTERNS loop; returns the stop function. */
export function watchRunnerHealth(runner: RunnerProcess, runnerDir: string, onFatal: (message: string) => void): () => void {
  let fired = false;
  const fire = (m: string) => {
    if (fired) return;
    fired = true;
    onFatal(m);
  };
  const onEvent = (ev: ListenerEvent) => {
    if (ev.kind === "fatal") fire(ev.message);
  };
  runner.on("event", onEvent);

  let file: string | undefined;
  let offset = 0;
  const scan = () => {
    const newest = newestDiagLog(runnerDir);
    if (newest === undefined) return;
    if (newest !== file) {
      file = newest;
      offset = 0;
    }
    try {
      const size = statSync(file).size;
      if (size < offset) offset = 0;
      const len = Math.min(size - offset, MAX_READ);
      if (len <= 0) return;
      const buf = Buffer.alloc(len);
      const fd = openSync(file, "r");
      try {
        readSync(fd, buf, 0, len, offset);
      } finally {
        closeSync(fd);
      }
      // Keep a partial last line for the next scan.
      const text = buf.toString("utf8");
      const cut = text.lastIndexOf("\n") + 1;
      offset += Buffer.byteLength(text.slice(0, cut || text.length));
      for (const line of text.slice(0, cut || text.length).split("\n")) {
        if (FATAL_PATTERNS.some((re) => re.test(line))) fire(line.trim());
      }
    } catch {
      // rotated or removed meanwhile
    }
  };
  const timer = setInterval(scan, DIAG_SCAN_MS).unref();
  return () => {
    clearInterval(timer);
    runner.off("event", onEvent);
  };
}
