import { readFileSync } from "node:fs";

// Per-process figures from /proc, for the forwarders under test.

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

/** CPU time used so far by `pids` (user, system), in milliseconds; 0 for processes that are gone. */
export function cpuMs(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      // Fields after "(comm) ": utime and stime are the 12th and 13th, in clock ticks (100 Hz on Linux).
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      user += Number(fields[11] ?? 0) * 10;
      system += Number(fields[12] ?? 0) * 10;
    } catch {
      // gone
    }
  }
  return { user, system };
}
