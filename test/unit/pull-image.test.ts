// pullImage's stall window on a test clock: each progress message restarts it,
// so a pull that keeps moving is never cut off; one that goes silent is.
import t from "tap";
import type { ContainerEngine } from "../../src/controller/container-engine.ts";
import { pullImage } from "../../src/controller/pull-image.ts";
import { useTestClock } from "../helpers/test-clock.ts";

interface Held {
  progress: () => void;
  signal: AbortSignal;
  finish: () => void;
}

/** An engine whose one pull is driven by the test. */
function heldEngine(): { engine: ContainerEngine; pulls: Held[] } {
  const pulls: Held[] = [];
  const engine = {
    pull: (_image: string, progress: () => void, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        pulls.push({ progress, signal, finish: resolve });
      }),
  } as unknown as ContainerEngine;
  return { engine, pulls };
}

t.test("progress restarts the stall window; a pull longer than the window completes", async (t) => {
  const clock = useTestClock(t, ["setTimeout"]);
  const { engine, pulls } = heldEngine();
  const pulled = pullImage(engine, "big:image", 1000, "RUNNER_PULL_STALL_SEC", new AbortController().signal);
  const [pull] = pulls as [Held];
  for (let i = 0; i < 5; i++) {
    clock.tick(900);
    pull.progress();
  }
  t.notOk(pull.signal.aborted, "4.5 s of pulling with progress every 0.9 s: not given up");
  pull.finish();
  await t.resolves(pulled);
});

t.test("a pull silent for the whole window is given up, naming the image and the variable", async (t) => {
  const clock = useTestClock(t, ["setTimeout"]);
  const { engine, pulls } = heldEngine();
  const pulled = pullImage(engine, "big:image", 1000, "RUNNER_PULL_STALL_SEC", new AbortController().signal);
  const [pull] = pulls as [Held];
  clock.tick(500);
  pull.progress();
  clock.tick(999);
  t.notOk(pull.signal.aborted, "999 ms after the last progress: still pulling");
  clock.tick(2);
  t.ok(pull.signal.aborted, "its request is aborted, so the engine cancels the pull");
  await t.rejects(pulled, /^pulling image big:image made no progress for 1 s \(RUNNER_PULL_STALL_SEC\): given up$/);
});
