import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";

/** Writes `text` to `path` (created with mode 0600: state and secrets are no one else's) and flushes it to disk. */
export function writeDurably(path: string, text: string): void {
  const fd = openSync(path, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically (a flushed temporary file renamed over it): a
 * crash leaves the old content or the new one, never half of either.
 */
export function replaceDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeDurably(tmp, text);
  renameSync(tmp, path);
}
