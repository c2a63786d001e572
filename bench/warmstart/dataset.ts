import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/** What the benchmark slot holds: a node_modules-like tree plus a few large build outputs. */
export const DATASET = {
  smallFiles: 19_950,
  smallMin: 2_000,
  smallMax: 30_000,
  largeFiles: 50,
  largeSize: 15_000_000,
  version: 1,
} as const;

export interface Dataset {
  readonly files: number;
  readonly bytes: number;
}

/**
 * Fills `slotDir` with >= 20,000 files and >= 1 GB once; later runs reuse it
 * (a marker file records the totals). Random content: rsync gains nothing
 * from compression or matching data either way.
 */
export function ensureDataset(slotDir: string, say: (m: string) => void): Dataset {
  // Beside the slot, not in it: the listing ignores files, and the slot stays pure data.
  const marker = `${slotDir}.bench.json`;
  if (existsSync(marker)) {
    const d = JSON.parse(readFileSync(marker, "utf8")) as Dataset & { version: number };
    if (d.version === DATASET.version) return d;
  }
  say(`generating the benchmark slot in ${slotDir} (once; reused afterwards)`);
  rmSync(slotDir, { recursive: true, force: true });
  const pool = randomBytes(32 * 1024 * 1024);
  let bytes = 0;
  let files = 0;
  const write = (path: string, size: number) => {
    const at = Math.floor(Math.random() * (pool.length - size));
    writeFileSync(path, pool.subarray(at, at + size));
    bytes += size;
    files++;
  };
  for (let i = 0; i < DATASET.smallFiles; i++) {
    const dir = `${slotDir}/node_modules/pkg-${Math.floor(i / 100)}/lib`;
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    write(`${dir}/m${i % 100}.js`, DATASET.smallMin + Math.floor(Math.random() * (DATASET.smallMax - DATASET.smallMin)));
  }
  mkdirSync(`${slotDir}/dist`, { recursive: true });
  for (let i = 0; i < DATASET.largeFiles; i++) write(`${slotDir}/dist/bundle-${i}.bin`, DATASET.largeSize);
  const d = { files, bytes, version: DATASET.version };
  writeFileSync(marker, JSON.stringify(d));
  return d;
}
