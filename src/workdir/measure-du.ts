import { spawn } from "node:child_process";

/** What `du` found: the bytes under the directory, or why there is no number. */
export type DuResult = { bytes: number } | { failure: string };

/**
 * `nice -n 19 du -skx dir`: the directory's own size on a disk shared with
 * other things, at the lowest CPU priority. Killed after `timeoutMs` (a huge
 * tree must not keep a du running forever), and when `signal` aborts.
 */
export function measureDu(dir: string, timeoutMs: number, signal?: AbortSignal): Promise<DuResult> {
  return new Promise((resolve) => {
    const child = spawn("nice", ["-n", "19", "du", "-skx", dir], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const onAbort = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (result: DuResult) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    child.on("error", (e: NodeJS.ErrnoException) => finish({ failure: `du: ${e.code ?? e.message}` }));
    child.on("close", (code) => {
      // du exits 1 when some entries were unreadable but still prints the total.
      const kb = /^(\d+)\s/.exec(out)?.[1];
      if (timedOut) finish({ failure: `du took over ${Math.round(timeoutMs / 1000)} s` });
      else if (kb !== undefined) finish({ bytes: Number(kb) * 1024 });
      else finish({ failure: `du exited with code ${code}` });
    });
  });
}
