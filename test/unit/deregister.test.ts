import t from "tap";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";
import { deregister } from "../../src/runner/deregister.ts";
import type { Registration, RemoveResult } from "../../src/runner/registration.ts";

/** A registration whose removal attempts answer `script` in turn (an Error is thrown). */
function scripted(script: (RemoveResult | Error)[]): Registration & { tries: number } {
  const reg = {
    name: "r1",
    tries: 0,
    async tryRemove(): Promise<RemoveResult> {
      const next = script[Math.min(reg.tries++, script.length - 1)] as RemoveResult | Error;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return reg;
}


const log = createLogger("runner");
/** Every wait ends at once, as the job's end would. */
const now = () => Promise.resolve();

t.test("busy, busy, deleted: no line while busy, one when done", async (t) => {
  const lines = captureLog(t);
  const reg = scripted(["busy", "busy", "deleted"]);
  let busy = 0;
  t.equal(await deregister(reg, log, { until: new AbortController().signal, wake: now, onBusy: () => busy++ }), "removed");
  t.equal(reg.tries, 3);
  t.equal(busy, 2);
  t.same(lines, ["runner: deregistered runner r1"]);
});

t.test("an error: one warning per wait, then the outcome", async (t) => {
  const lines = captureLog(t);
  const reg = scripted([new Error("boom"), "gone"]);
  t.equal(await deregister(reg, log, { until: new AbortController().signal, wake: now }), "removed");
  t.equal(lines.length, 2);
  t.match(lines[0], /^runner: warning: deregistering runner r1 failed: boom; retry 1 in \d\.\d s$/);
  t.equal(lines[1], "runner: runner r1 was already gone from GitHub");
});

t.test("refused: one error line, no retry", async (t) => {
  const lines = captureLog(t);
  const reg = scripted(["refused"]);
  t.equal(await deregister(reg, log, { until: new AbortController().signal }), "refused");
  t.equal(reg.tries, 1);
  t.equal(lines.length, 1);
  t.match(lines[0], /^runner: error: cannot deregister runner r1: GitHub refused the removal with GH_RUNNER_TOKEN/);
});

t.test("given up while busy or failing: one line saying why, none with quietStop", async (t) => {
  for (const [answer, why] of [
    ["busy", "runner: error: runner r1 is still marked busy on GitHub; giving up deregistration"],
    [new Error("boom"), "runner: error: cannot deregister runner r1: boom"],
  ] as const) {
    for (const quietStop of [false, true]) {
      await t.test(`${answer === "busy" ? "busy" : "failing"}${quietStop ? ", quietStop" : ""}`, async (t) => {
        const until = new AbortController();
        const lines = captureLog(t);
        const reg = scripted([answer]);
        // The deadline passes during the third wait, which would otherwise last until the test times out.
        const wake = () => (reg.tries < 3 ? Promise.resolve() : new Promise<void>(() => until.abort()));
        t.equal(await deregister(reg, log, { until: until.signal, wake, quietStop }), "stopped");
        t.equal(reg.tries, 3);
        t.same(lines.filter((l) => !/warning/.test(l)), quietStop ? [] : [why]);
      });
    }
  }
});
