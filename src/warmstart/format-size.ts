/** `1.07 GB`, `512 B`: decimal units, as rsync's own human-readable output uses. */
export function formatSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

/** `20,001`: thousands separated, as rsync prints counts. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
