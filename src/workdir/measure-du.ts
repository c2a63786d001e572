import { runProcess } from "../process/start-process.ts";

/** What `du` found: the bytes under the directory, or why there is no number. */
export type DuResult = { bytes: number } | { failure: string };

/**
 * `nice -n 19 du -skx dir`: the directory's own size on a disk shared with
 * other things, at the lowest CPU priority. Killed after `timeoutMs` (a huge
 * tree must not keep a du running forever), and when `signal` aborts.
 */
export async function measureDu(dir: string, timeoutMs: number, signal?: AbortSignal): Promise<DuResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const cancelSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
  // du holds nothing worth a graceful stop.
  const run = await runProcess("nice", ["-n", "19", "du", "-skx", dir], { cancelSignal, killSignal: "SIGKILL" });
  // du exits 1 when some entries were unreadable but still prints the total.
  const kb = /^(\d+)\s/.exec(run.stdout)?.[1];
  if (timeout.aborted) return { failure: `du took over ${Math.round(timeoutMs / 1000)} s` };
  if (kb !== undefined) return { bytes: Number(kb) * 1024 };
  return { failure: `du exited with code ${run.code}` };
}
