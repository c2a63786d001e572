import { readFileSync } from "node:fs";

/** Resident set size of a process in MiB (0 when it is gone). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The sum over `pids` (socat forks; the others are one process each). */
export function totalRssMiB(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + rssMiB(pid), 0);
}
