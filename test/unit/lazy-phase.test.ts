import t from "tap";
import type { Config } from "../../src/config/load-config.ts";
import { lazyPhase } from "../../src/lifecycle/lazy-phase.ts";
import type { Context, Phase } from "../../src/lifecycle/phase.ts";

const ctx = (on: boolean) => ({ config: { SPOT_WATCH: on } as unknown as Config }) as Context;
const reason = { kind: "signal", signal: "SIGTERM" } as const;

t.test("a phase its configuration does not turn on is never loaded, and its stop does nothing", async (t) => {
  let loads = 0;
  const phase = lazyPhase("spot-watch", (c) => c.SPOT_WATCH, async () => {
    loads++;
    return { name: "spot-watch", start: async () => {} };
  });
  await phase.start(ctx(false));
  await phase.stop?.(ctx(false), reason);
  t.equal(loads, 0);
});

t.test("a phase turned on is loaded once, started and stopped as itself", async (t) => {
  const calls: string[] = [];
  const real: Phase = { name: "spot-watch", start: async () => void calls.push("start"), stop: async () => void calls.push("stop") };
  const phase = lazyPhase("spot-watch", (c) => c.SPOT_WATCH, async () => (calls.push("load"), real));
  t.equal(phase.name, "spot-watch", "named before anything is loaded (README's list of phases)");
  await phase.start(ctx(true));
  await phase.stop?.(ctx(true), reason);
  t.same(calls, ["load", "start", "stop"]);
});

t.test("code that names another phase is refused at start", async (t) => {
  const phase = lazyPhase("spot-watch", () => true, async () => ({ name: "metrics", start: async () => {} }));
  await t.rejects(phase.start(ctx(true)), /boot phase "spot-watch" loaded the code of "metrics"/);
});
