import { readFileSync } from "node:fs";

/** One process of a tree, with its memory in KiB. */
export interface ProcInfo {
  readonly pid: number;
  readonly cmd: string;
  /** VmRSS: every resident page, shared libraries included. */
  readonly rssKiB: number;
}

/** The memory of an entrypoint's tree while the runner is idle, split into the runner's and the rest. */
export interface TreeMemory {
  readonly pid1: ProcInfo;
  /** Every process except the runner's own (run.sh and below): the cost of the entrypoint. */
  readonly overhead: ProcInfo[];
  readonly runner: ProcInfo[];
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function children(pid: number): number[] {
  return read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The first child of `pid` (unshare's forked PID 1), when it exists yet. */
export function firstChild(pid: number): number | undefined {
  return children(pid)[0];
}

function kib(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
}

function info(pid: number): ProcInfo {
  const cmd = read(`/proc/${pid}/cmdline`).split("\0").filter(Boolean).join(" ");
  return { pid, cmd, rssKiB: kib(read(`/proc/${pid}/status`), "VmRSS") };
}

function subtree(pid: number): number[] {
  return [pid, ...children(pid).flatMap(subtree)];
}

/**
 * Reads the tree under `pid1` (the entrypoint, PID 1 of its namespace). The
 * runner's own processes are the subtree of run.sh; both entrypoints start it
 * the same way, so what is left is what the entrypoint itself costs.
 */
export function treeMemory(pid1: number): TreeMemory {
  const all = subtree(pid1).map(info);
  const runSh = all.find((p) => /(^|[ /])run\.sh( |$)/.test(p.cmd));
  const runnerPids = new Set(runSh ? subtree(runSh.pid) : []);
  return {
    pid1: all[0] ?? info(pid1),
    overhead: all.filter((p) => !runnerPids.has(p.pid)),
    runner: all.filter((p) => runnerPids.has(p.pid)),
  };
}

/** Sum of RSS over processes, in MiB (shared pages counted in each: an upper bound). */
export function sumMiB(procs: readonly ProcInfo[]): number {
  return procs.reduce((s, p) => s + p.rssKiB, 0) / 1024;
}
