import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * The TCP ports that process `pid` itself listens on (its own sockets, not
 * its network namespace's: other processes on the machine may use any port).
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (hex ip:port), st is f[3] (0A = LISTEN), inode is f[9].
      if (f[3] === "0A" && f[9] !== undefined && inodes.has(f[9])) ports.push(parseInt(f[1]?.split(":").pop() ?? "0", 16));
    }
  }
  return ports.sort((a, b) => a - b);
}
