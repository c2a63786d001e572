// reconcileContainers against an engine that lists what a test says: a leftover container the engine cannot
// remove does not end the look, and a runner's container still there ended at two listings is removed.
import t from "tap";
import type { RunnerContainer } from "../../src/controller/container-engine.ts";
import type { ControllerCore } from "../../src/controller/controller-core.ts";
import { reconcileContainers } from "../../src/controller/reconcile.ts";
import { RunnerPool } from "../../src/controller/runner-pool.ts";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";

const container = (id: string, runnerName: string, state: "running" | "exited" | "dead" | "removing" | "paused"): RunnerContainer => ({
  id: id.padEnd(64, "0"),
  runnerName,
  runnerId: undefined,
  entry: undefined,
  running: state === "running",
  ended: state === "exited" || state === "dead",
  createdAt: 0,
});

/** A core whose engine lists `listing()` and records removals (failing for `stuck`); `clock` is its time. */
function core(listing: () => RunnerContainer[], stuck: Set<string> = new Set()) {
  const removed: string[] = [];
  const clock = { now: 1_000_000 };
  const c = {
    settings: { controllerId: "ctl", entryId: undefined },
    engine: {
      list: async () => listing(),
      remove: async (id: string) => {
        if (stuck.has(id)) throw new Error("driver busy: device or resource busy");
        removed.push(id);
      },
    },
    pool: new RunnerPool(),
    log: createLogger("controller"),
    now: () => clock.now,
    background: (p: Promise<unknown>) => void p.catch(() => undefined),
    // What a runner's end (runnerGone) touches.
    stopping: new AbortController().signal,
    metrics: { removed: () => undefined },
    runnerFailed: () => undefined,
    saveSoon: () => undefined,
    scaleSoon: () => undefined,
  } as unknown as ControllerCore;
  return { core: c, removed, clock };
}

/** A runner of the pool whose container `id` the controller started (before the listings). */
function poolRunner(c: ControllerCore, name: string, id: string): void {
  const r = c.pool.add(name, 0, "busy");
  r.containerId = id.padEnd(64, "0");
  r.containerSince = 0;
}

t.test("a leftover container the engine cannot remove: one warning, and the look goes on to the pool's runners", async (t) => {
  const lines = captureLog(t);
  const { core: c, removed, clock } = core(() => [container("dead1", "old-runner", "dead"), container("ours1", "r1", "exited")], new Set(["dead1".padEnd(64, "0")]));
  poolRunner(c, "r1", "ours1");
  await reconcileContainers(c);
  clock.now += 60_000;
  await reconcileContainers(c);
  t.ok(lines.some((l) => /removing container dead1\S* of runner old-runner failed: driver busy/.test(l)), "the failure, named");
  t.same(removed, ["ours1".padEnd(64, "0")], "the pool's ended container was still looked at, and removed");
});

t.test("only a container ended at two listings in a row is removed; running, paused or being removed, it is left", async (t) => {
  const lines = captureLog(t);
  let state: "running" | "exited" | "removing" | "paused" = "exited";
  const { core: c, removed, clock } = core(() => [container("ours2", "r2", state)]);
  poolRunner(c, "r2", "ours2");
  const look = async (s: typeof state) => {
    state = s;
    clock.now += 60_000;
    await reconcileContainers(c);
  };
  await look("exited");
  await look("removing");
  await look("exited");
  await look("paused");
  await look("exited");
  t.same(removed, [], "never two ended listings in a row");
  await look("exited");
  t.same(removed, ["ours2".padEnd(64, "0")], "removed at the second ended listing in a row");
  t.match(lines.join("\n"), /runner r2: its container ours20000000 ended but still there at two listings 60 s apart \(its removal was never reported\): removing it/);
});

t.test("a runner whose container was created in the millisecond the listing began is not taken for gone", async (t) => {
  const lines = captureLog(t);
  const { core: c, clock } = core(() => []);
  const r = c.pool.add("r3", 0, "starting");
  r.containerId = "ours3".padEnd(64, "0");
  // Learnt in the same millisecond as the listing's start: the listing may have been answered before it existed.
  r.containerSince = clock.now;
  await reconcileContainers(c);
  t.equal(c.pool.get("r3"), r, "still in the pool");
  t.notMatch(lines.join("\n"), /is gone/);
  clock.now += 1;
  await reconcileContainers(c);
  t.equal(c.pool.get("r3"), undefined, "a listing begun after it that does not show it: gone");
});
