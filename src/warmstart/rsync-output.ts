/** Where a transfer stands, from rsync's `--info=progress2` updates. */
export interface RsyncProgress {
  /** Bytes of the files handled so far. */
  readonly bytes: number;
  /** Files transferred so far (`xfr#N`). */
  readonly files: number;
}

/** Totals from rsync's `--stats` block. */
export interface RsyncStats {
  /** "Number of files" (regular files, directories, links). */
  readonly files: number;
  /** Its `reg:` part: regular files. */
  readonly regularFiles: number;
  readonly regularFilesTransferred: number;
  /** "Total file size": the size of the slot. */
  readonly totalSize: number;
  readonly transferredSize: number;
}

function num(s: string | undefined): number {
  return s === undefined ? 0 : Number(s.replaceAll(",", ""));
}

/**
 * Reads rsync's stdout as it arrives: progress updates end with `\r`, the
 * --stats block with `\n`. `latest` is the newest progress update; `text`
 * keeps the newline-terminated lines (bounded) for the stats.
 */
export class RsyncOutput {
  #partial = "";
  #lines: string[] = [];
  latest: RsyncProgress = { bytes: 0, files: 0 };

  feed(chunk: string): void {
    const parts = (this.#partial + chunk).split(/([\r\n])/);
    this.#partial = parts.pop() ?? "";
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const piece = parts[i] as string;
      const m = /^\s*([\d,]+)\s+\d+%\s+\S+\s+\S+(?:\s+\(xfr#(\d+),)?/.exec(piece);
      if (m) {
        this.latest = { bytes: num(m[1]), files: m[2] === undefined ? this.latest.files : num(m[2]) };
      } else if (parts[i + 1] === "\n" && piece.trim() !== "") {
        this.#lines.push(piece);
        if (this.#lines.length > 200) this.#lines.shift();
      }
    }
  }

  /** The --stats totals, once rsync has finished. */
  stats(): RsyncStats {
    const text = [...this.#lines, this.#partial].join("\n");
    const field = (label: string) => num(new RegExp(`^${label}: ([\\d,]+)`, "m").exec(text)?.[1]);
    return {
      files: field("Number of files"),
      regularFiles: num(/^Number of files: [\d,]+ \(reg: ([\d,]+)/m.exec(text)?.[1] ?? /^Number of files: ([\d,]+)/m.exec(text)?.[1]),
      regularFilesTransferred: field("Number of regular files transferred"),
      totalSize: field("Total file size"),
      transferredSize: field("Total transferred file size"),
    };
  }
}
