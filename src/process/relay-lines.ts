import type { Readable } from "node:stream";

/**
 * Calls `onLine` for every line of `stream`, CR stripped; a partial last line at its end or on the returned flush.
 * Lines are cut at 64 KiB, so that a child printing without newlines cannot grow memory.
 */
export function relayLines(stream: Readable, onLine: (line: string) => void): () => void {
  stream.setEncoding("utf8");
  let buf = "";
  const flush = () => {
    if (buf !== "") onLine(buf.replace(/\r$/, ""));
    buf = "";
  };
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
  stream.on("end", flush);
  // A child dying mid-write must not crash PID 1.
  stream.on("error", () => {});
  return flush;
}
