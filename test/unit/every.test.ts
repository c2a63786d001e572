import t from "tap";
import { every, failureLog } from "../../src/lifecycle/every.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { useTestClock } from "../helpers/test-clock.ts";

t.test("every: ticks never overlap, errors go to onError, stop stops", async (t) => {
  // Timers on the test's clock: every interval fires when it is due, whatever the machine's load.
  const clock = useTestClock(t, ["setInterval", "setTimeout"]);
  let running = 0;
  let maxRunning = 0;
  let ticks = 0;
  const errors: string[] = [];
  const stop = every(
    10,
    async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      ticks++;
      await new Promise((r) => setTimeout(r, 35));
      running--;
      if (ticks === 2) throw new Error("second tick failed");
    },
    (e) => errors.push(e.message),
    { now: true },
  );
  await clock.advance(200);
  stop();
  const after = ticks;
  await clock.advance(100);
  t.equal(maxRunning, 1, "one tick at a time");
  t.ok(after >= 3, `kept ticking after a failure (${after} ticks)`);
  t.same(errors, ["second tick failed"]);
  t.equal(ticks, after, "no new tick after stop");
});

t.test("failureLog: one warning when failing starts, one line when it works again", async (t) => {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  t.teardown(restore);
  const f = failureLog(createLogger("x"), "publishing to here");
  f.failed(new Error("a"));
  f.failed(new Error("b"));
  f.ok();
  f.ok();
  t.equal(lines.length, 2);
  t.match(lines[0], /warning: publishing to here: a$/);
  t.match(lines[1], /publishing to here: works again$/);
});
