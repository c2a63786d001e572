import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { Config } from "../../src/config/load-config.ts";
import { runSupervisor } from "../../src/lifecycle/run-supervisor.ts";
import type { Phase } from "../../src/lifecycle/phase.ts";
import { createLogger } from "../../src/log/logger.ts";
import { captureLog } from "../helpers/capture-log.ts";

function config(t: { teardown(fn: () => unknown): void }): Config {
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-run-supervisor-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { SHUTDOWN_TIMEOUT_SEC: 0, CI_RUNNER_STATE_FILE: join(dir, "state.json") } as unknown as Config;
}

t.test("the event loop turns between phases: I/O a phase started moves before the next phase starts", async (t) => {
  captureLog(t);
  const events: string[] = [];
  // Phases that start synchronously, as most do: the first one starts I/O (the token prefetch does), whose callback
  // must run before the later phases, not only when one of them first waits for something.
  const phases: Phase[] = [
    { name: "first", start: async () => void (events.push("first"), setImmediate(() => events.push("i/o of first"))) },
    { name: "second", start: async () => void events.push("second") },
    { name: "last", start: async (ctx) => (events.push("last"), ctx.requestStop({ kind: "signal", signal: "SIGTERM" })) },
  ];
  const code = await runSupervisor(config(t), phases, createLogger("test"));
  t.equal(code, 143);
  t.same(events, ["first", "i/o of first", "second", "last"]);
});

t.test("a stop requested while phases start: the next phase is not started, the started ones are stopped in reverse", async (t) => {
  captureLog(t);
  const events: string[] = [];
  const phase = (name: string, start: Phase["start"] = async () => void events.push(`start ${name}`)): Phase => ({
    name,
    start,
    stop: async () => void events.push(`stop ${name}`),
  });
  const phases = [
    phase("a"),
    // A stop that arrives as I/O (a signal, the runner's exit) between two phases.
    phase("b", async (ctx) => void (events.push("start b"), setImmediate(() => ctx.requestStop({ kind: "signal", signal: "SIGTERM" })))),
    phase("c"),
  ];
  const code = await runSupervisor(config(t), phases, createLogger("test"));
  t.equal(code, 143);
  t.same(events, ["start a", "start b", "stop b", "stop a"]);
});
