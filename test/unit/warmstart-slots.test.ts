import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import t from "tap";
import { chooseSlot, listSlotsCommand, parseSlotListing, type SlotInfo } from "../../src/warmstart/slot-listing.ts";

const slot = (id: string, ageSec: number): SlotInfo => ({ id, ageSec, meta: { fullSnapshotHistory: [], hints: [] } });

t.test("chooseSlot: newest usable slot, as load --slot-id='*' without hints", async (t) => {
  const cases: [string, SlotInfo[], number, string | undefined, number][] = [
    ["newest wins", [slot("a", 100), slot("b", 5), slot("c", 50)], 1800, "b", 0],
    ["ties: id descending", [slot("r1", 5), slot("r3", 5), slot("r2", 5)], 1800, "r3", 0],
    ["temporary and backup ids never load", [slot("x.tmp.1", 1), slot("x.bak.2", 1), slot("old", 900)], 1800, "old", 0],
    ["within 60 s of max age: skipped", [slot("a", 1740), slot("b", 1739)], 1800, "b", 1],
    ["all about to expire: none", [slot("a", 3000), slot("b", 1745)], 1800, undefined, 2],
    ["custom max age", [slot("a", 3000)], 3600, "a", 0],
    ["nothing", [], 1800, undefined, 0],
  ];
  for (const [name, slots, maxAge, want, expiring] of cases) {
    const got = chooseSlot(slots, maxAge);
    t.equal(got.slot?.id, want, name);
    t.equal(got.expiring, expiring, `${name}: expiring count`);
  }
});

t.test("the listing script, run by a local shell on a storage dir", async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/ws-list-`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const run = (d: string) => parseSlotListing(execFileSync("sh", ["-c", listSlotsCommand(d)], { encoding: "utf8" }));
  t.same(run(`${dir}/missing`), [], "no storage dir: no slots");

  for (const id of ["old", "run-2", "run-9.tmp.1700000000", "run-1.bak.1700000000"]) mkdirSync(`${dir}/${id}`);
  writeFileSync(`${dir}/file-not-a-slot`, "");
  writeFileSync(`${dir}/run-2/.ci-storage.meta`, "full_snapshot_history=run-1  old\nhints=@abc main\n");
  // Backdated mtimes: age comes from the inode ctime (as the tool's), and the touch shows.
  utimesSync(`${dir}/old`, 1_000_000, 1_000_000);
  utimesSync(`${dir}/run-2`, 1_000_000, 1_000_000);
  const ctime = (id: string) => Math.floor(statSync(`${dir}/${id}`).ctimeMs / 1000);
  const expected = ["run-2", "old"].sort((a, b) => ctime(b) - ctime(a) || (a < b ? 1 : -1));
  const slots = run(dir);
  t.same(
    slots.map((s) => s.id),
    expected,
    "dot ids left out; newest ctime first, ties by id descending",
  );
  t.ok(slots.every((s) => s.ageSec >= 0 && s.ageSec < 60), "ages from ctime");
  const byId = new Map(slots.map((s) => [s.id, s]));
  t.same(byId.get("run-2")?.meta, { fullSnapshotHistory: ["run-1", "old"], hints: ["@abc", "main"] });
  t.same(byId.get("old")?.meta, { fullSnapshotHistory: [], hints: [] });
  t.ok(statSync(`${dir}/${expected[0]}`).mtimeMs > Date.now() - 60_000, "newest touched");
  t.equal(statSync(`${dir}/${expected[1]}`).mtimeMs, 1_000_000_000, "others untouched");
});
