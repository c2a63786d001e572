import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setupRig } from "../helpers/rig.ts";

/** The filesystem type findmnt (util-linux) sees for `dir`: an oracle independent of the supervisor's code. */
function fsTypeOf(dir: string): string {
  return execFileSync("findmnt", ["-n", "-o", "FSTYPE", "-T", dir]).toString().trim().split("\n").at(-1) ?? "";
}

const REPORT = /\] ci-runner: work dir (\S+): (\S+), \S+ \S+ used of \S+ \S+ \(\d+%\), (?:(work dir holds \S+ \S+), )?load average [\d.]+ [\d.]+ [\d.]+$/;

t.test("with TZ, a work dir on a disk: space, du of the work dir, load average", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ TZ: "UTC", WORKDIR_REPORT_INTERVAL_SEC: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  writeFileSync(join(rig.env.WORK_DIR as string, "blob"), Buffer.alloc(3_000_000, 1));
  const expected = fsTypeOf(rig.env.WORK_DIR as string);
  // A line written after the blob: the work dir holds at least 3 MB.
  const line = await sup.waitForLine(/work dir .* holds [3-9][.\d]* MB/);
  const m = REPORT.exec(line);
  t.ok(m, `the report's shape: ${line}`);
  t.equal(m?.[1], rig.env.WORK_DIR);
  t.equal(m?.[2], expected, "the filesystem findmnt names");
  if (expected === "tmpfs") t.notOk(m?.[3], "no du on a tmpfs");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

const shmIsTmpfs = (() => {
  try {
    return fsTypeOf("/dev/shm") === "tmpfs";
  } catch {
    return false;
  }
})();

t.test("with TZ, a work dir on a tmpfs: no du", { skip: shmIsTmpfs ? false : "no tmpfs at /dev/shm" }, async (t) => {
  const rig = await setupRig(t);
  const work = mkdtempSync("/dev/shm/ci-runner-work-");
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const sup = rig.start({ TZ: "UTC", WORKDIR_REPORT_INTERVAL_SEC: "1", WORK_DIR: work });
  const line = await sup.waitForLine(/ci-runner: work dir /);
  const m = REPORT.exec(line);
  t.ok(m, `the report's shape: ${line}`);
  t.equal(m?.[2], "tmpfs");
  t.equal(m?.[3], undefined, "no du on a tmpfs");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("without TZ, no report", async (t) => {
  const rig = await setupRig(t);
  // The uptime lines (same 1 s interval) are the supervisor's own clock: a report would come between them.
  const sup = rig.start({ WORKDIR_REPORT_INTERVAL_SEC: "1", BTIME: String(Math.floor(Date.now() / 1000)), UPTIME_REPORT_INTERVAL_SEC: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  await rig.fake.waitFor(() => sup.lines.filter((l) => / uptime: instance /.test(l)).length >= 4);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.notOk(sup.lines.some((l) => / work dir /.test(l)), "no work dir line in the whole output");
});
