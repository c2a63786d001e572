import t from "tap";
import { backoffMs, retry, STOPPED, type Attempt } from "../../src/lifecycle/retry.ts";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";


/** The waits the lines announce, in seconds. */
const waits = (lines: string[]) => lines.map((l) => Number(/ in (\d+\.\d) s$/.exec(l)?.[1]));

t.test("backoffMs: doubling from 1 s up to 30 s, each wait in the upper half", async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n, () => 1)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  t.same([1, 2, 6].map((n) => backoffMs(n, () => 0)), [500, 1000, 15_000]);
});

t.test("retries until done, one line per wait; a wake retries at once and starts the backoff over", async (t) => {
  const lines = captureLog(t);
  let n = 0;
  const result = await retry(
    async (attempt): Promise<Attempt<string>> => {
      n = attempt;
      return attempt < 4 ? { retry: `try ${attempt} failed` } : { done: "ok" };
    },
    { log: createLogger("t"), wake: () => Promise.resolve() },
  );
  t.equal(result, "ok");
  t.equal(n, 4);
  t.same(
    lines.map((l) => l.replace(/ in .*/, "")),
    [1, 2, 3].map((i) => `t: warning: try ${i} failed; retry ${i}`),
  );
  t.ok(waits(lines).every((s) => s >= 0.5 && s <= 1), `each wait is the first step again: ${waits(lines).join(", ")}`);
});

t.test("a wait without a line logs nothing; the attempt's own wait replaces the backoff", async (t) => {
  const stop = new AbortController();
  const lines = captureLog(t, () => stop.abort());
  let quiet = true;
  const result = await retry(
    async (): Promise<Attempt<never>> => {
      if (quiet) {
        quiet = false;
        return { retry: undefined };
      }
      return { retry: "rate limited", waitMs: 60_000 };
    },
    { log: createLogger("t"), signal: stop.signal, wake: (over) => (quiet ? Promise.resolve() : new Promise((r) => over.addEventListener("abort", r))) },
  );
  t.equal(result, STOPPED);
  t.same(lines.length, 1, "only the announced wait has a line");
  t.match(lines[0], /rate limited; retry 2 in 60\.0 s$/);
});

t.test("a stop ends the wait at once; no attempt follows", async (t) => {
  const stop = new AbortController();
  // The stop comes when the wait's line is written; had it not ended the 10-minute wait, the test would time out.
  const lines = captureLog(t, () => stop.abort());
  let attempts = 0;
  const result = await retry(
    async (): Promise<Attempt<never>> => {
      attempts++;
      return { retry: "failed", waitMs: 600_000 };
    },
    { log: createLogger("t"), signal: stop.signal },
  );
  t.equal(result, STOPPED);
  t.equal(attempts, 1);
  t.equal(lines.length, 1);
});

t.test("stopped before the first attempt: it still runs once (a last try), then stops", async (t) => {
  const stop = new AbortController();
  stop.abort();
  let attempts = 0;
  const result = await retry(
    async (): Promise<Attempt<never>> => {
      attempts++;
      return { retry: "failed" };
    },
    { log: createLogger("t"), signal: stop.signal },
  );
  t.equal(result, STOPPED);
  t.equal(attempts, 1);
});

t.test("onWait is told of each wait, none when the first attempt succeeds", async (t) => {
  captureLog(t);
  let waited = 0;
  const opts = { log: createLogger("t"), wake: () => Promise.resolve(), onWait: () => void waited++ };
  t.equal(await retry(async (attempt): Promise<Attempt<number>> => (attempt < 3 ? { retry: "no" } : { done: attempt }), opts), 3);
  t.equal(waited, 2, "two failed attempts, two waits");
  t.equal(await retry(async (): Promise<Attempt<number>> => ({ done: 1 }), opts), 1);
  t.equal(waited, 2, "a first attempt that succeeds waits for nothing");
});
