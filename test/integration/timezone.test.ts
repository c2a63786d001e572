import t from "tap";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LABELS, setupRig } from "../helpers/rig.ts";

t.test("TZ applies to the supervisor's log timestamps, hooks and jobs", async (t) => {
  const rig = await setupRig(t);
  const trace = join(rig.base, "hook-zone");
  writeFileSync(join(rig.rootHooks, "entrypoint.10-zone.sh"), `#!/bin/sh\ndate +%Z > ${trace}\n`);
  chmodSync(join(rig.rootHooks, "entrypoint.10-zone.sh"), 0o755);
  // Tokyo has no daylight saving time: its names are the same all year.
  const sup = rig.start({ TZ: "Asia/Tokyo" });
  const listening = await sup.waitForLine(/Listening for Jobs/);
  t.match(listening, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9\] /, "log timestamps in the zone");
  t.equal(existsSync(trace) ? readFileSync(trace, "utf8").trim() : "", "JST", "a root hook's date");
  const job = rig.fake.queueJob({ labels: LABELS.split(","), name: "zone", run: 'echo "zone:$(date +%Z):$TZ"' });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  t.match(rig.fake.job(job)?.log, /zone:JST:Asia\/Tokyo/, "a job's date");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("an unknown zone: exit 78, one line naming TZ, nothing run or registered", async (t) => {
  const rig = await setupRig(t);
  const marker = join(rig.base, "hook-ran");
  writeFileSync(join(rig.rootHooks, "entrypoint.10-x.sh"), `touch ${marker}\n`);
  const sup = rig.start({ TZ: "Europe/Atlantis" });
  t.equal((await sup.exited).code, 78);
  const errors = sup.lines.filter((l) => / error: /.test(l));
  t.equal(errors.length, 1, "one error line");
  t.match(errors[0], / error: TZ: unknown time zone "Europe\/Atlantis"/);
  t.notOk(existsSync(marker), "no hook ran");
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});
