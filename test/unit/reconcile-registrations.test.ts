// reconcileRegistrations against a GitHub that lists what a test says: a registration of ours that no container
// holds is removed once offline; one online is another controller's runner (the same CONTROLLER_ID): left alone.
import t from "tap";
import type { ControllerCore } from "../../src/controller/controller-core.ts";
import { reconcileRegistrations } from "../../src/controller/reconcile.ts";
import { RunnerPool } from "../../src/controller/runner-pool.ts";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";

const runner = (id: number, name: string, status: "online" | "offline") => ({ id, name, status, busy: false, labels: [] });

t.test("an offline registration of ours without a container is removed; an online one is left alone, with one warning", async (t) => {
  const lines = captureLog(t);
  const deleted: number[] = [];
  const listing = [runner(1, "ci-runner-ctl-a", "offline"), runner(2, "ci-runner-ctl-b", "online"), runner(3, "ci-runner-ctl-c", "online"), runner(4, "someone-else", "offline")];
  const work: Promise<unknown>[] = [];
  const core = {
    config: { RUNNER_NAME_PREFIX: "ci-runner" },
    settings: { controllerId: "ctl", runnerKey: "ctl" },
    api: {
      list: async () => listing,
      delete: async (id: number) => (deleted.push(id), "deleted"),
    },
    pool: new RunnerPool(),
    log: createLogger("controller"),
    ended: new AbortController().signal,
    stopping: new AbortController().signal,
    background: (p: Promise<unknown>) => void work.push(p),
  } as unknown as ControllerCore;
  core.pool.add("ci-runner-ctl-c", 0, "idle");
  await reconcileRegistrations(core);
  await reconcileRegistrations(core);
  await Promise.all(work);
  t.same([...new Set(deleted)], [1], "only the offline one of ours, not the pool's, not another prefix's");
  const warnings = lines.filter((l) => / warning: registration ci-runner-ctl-b \(id 2\) is online but no container of this controller holds it: left alone \(another controller with the same CONTROLLER_ID "ctl"\?/.test(l));
  t.equal(warnings.length, 1, "one warning over two looks");
  t.notOk(lines.some((l) => /ci-runner-ctl-c/.test(l)), "the pool's own runner: nothing said");
});
