import type { Readable } from "node:stream";

/**
 * Calls `onLine` for every line of `stream` (without the newline; CR
 * stripped). A trailing partial line is delivered at end. Lines longer than
 * 64 KiB are cut so that a child printing without newlines cannot grow memory.
 */
export function relayLines(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  stream.setEncoding("utf8");
  let buf = "";
  stream.on("data", (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ""));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > 65536) {
      onLine(buf);
      buf = "";
    }
  });
  stream.on("end", () => {
    if (buf !== "") onLine(buf.replace(/\r$/, ""));
    buf = "";
  });
  // A child dying mid-write must not crash PID 1.
  stream.on("error", () => {});
}
