import { closeSync, fstatSync, openSync, readSync, unlinkSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/** Names already taken in this process (with the pid: unique among live processes). */
let counter = 0;

/**
 * Where rsync's stdout goes during a load: a file with no name (created in
 * `tmpDir`, unlinked at once, gone with its last descriptor), read when the
 * caller wants to know, instead of a pipe. With --info=progress2 rsync
 * writes and flushes one update per file, about 75 bytes each: 20,000
 * updates for a 20,000-file slot, each of which a pipe turned into a wake-up
 * of the supervisor's event loop (0.3-0.5 s of its CPU per load, measured in
 * bench/warmstart). The file grows by those 75 bytes a file (1.5 MB for
 * 20,000 files) until `close`.
 */
export class RsyncOutputFile {
  /** Hand this to the child as its stdout. */
  readonly fd: number;
  #offset = 0;
  readonly #decoder = new StringDecoder("utf8");
  readonly #buf = Buffer.allocUnsafe(256 * 1024);

  constructor(tmpDir = "/tmp") {
    // wx: never a file (or link) someone else put there. PID 1's pid is the same in every
    // container, so a name left by another (a crash, or planted) is skipped, not fatal.
    for (let tries = 0; ; tries++) {
      const path = `${tmpDir}/ci-runner-rsync-${process.pid}-${counter++}`;
      try {
        this.fd = openSync(path, "wx+", 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST" && tries < 100) continue;
        throw e;
      }
      try {
        unlinkSync(path);
      } catch (e) {
        closeSync(this.fd);
        throw e;
      }
      return;
    }
  }

  /** What was written since the last call. */
  readNew(): string {
    const size = fstatSync(this.fd).size;
    let text = "";
    while (this.#offset < size) {
      const n = readSync(this.fd, this.#buf, 0, Math.min(this.#buf.length, size - this.#offset), this.#offset);
      if (n === 0) break;
      this.#offset += n;
      text += this.#decoder.write(this.#buf.subarray(0, n));
    }
    return text;
  }

  close(): void {
    closeSync(this.fd);
  }
}
