import t from "tap";
import { uptime } from "../../src/cloud/uptime-phase.ts";

t.test("uptime metrics from BTIME, the supervisor's start and the first Listening for Jobs", async (t) => {
  const btime = Date.parse("2026-11-25T00:00:00Z") / 1000;
  const startedAt = new Date("2026-11-25T00:01:00Z");
  const now = Date.parse("2026-11-25T00:10:00Z");
  t.same(uptime(btime, { startedAt, runner: {} }, now), { InstanceUptimeSec: 600, DockerBootSec: 60, RunnerBootSec: undefined, RunnerUptimeSec: undefined });
  t.same(uptime(btime, { startedAt, runner: { listeningSince: new Date("2026-11-25T00:01:05Z") } }, now), {
    InstanceUptimeSec: 600,
    DockerBootSec: 60,
    RunnerBootSec: 5,
    RunnerUptimeSec: 535,
  });
});
