import t from "tap";
import { offlineToDelete } from "../../src/runner/gc-offline-phase.ts";

const OURS = ["self-hosted", "Linux", "X64", "ci"];
const r = (id: number, name: string, status: string, busy = false, labels = OURS) => ({ id, name, status, busy, labels });
const fleet = [
  r(1, "ci-runner-a", "online"),
  r(2, "ci-runner-b", "online"),
  r(3, "ci-runner-dead", "offline"),
  r(4, "ci-runner-new", "offline"),
  r(5, "other-dead", "offline"),
  r(6, "ci-runner-busy", "offline", true),
];

t.test("only the alphabetically first online runner of the pool collects", async (t) => {
  t.equal(offlineToDelete(fleet, new Set([3]), "ci-runner", "ci-runner-a").collect, true);
  t.equal(offlineToDelete(fleet, new Set([3]), "ci-runner", "ci-runner-b").collect, false);
  t.same(offlineToDelete(fleet, new Set([3]), "ci-runner", "ci-runner-b").remove, []);
});

t.test("deletes only runners of our prefix offline in two looks, never busy ones", async (t) => {
  const first = offlineToDelete(fleet, new Set(), "ci-runner", "ci-runner-a");
  t.same(first.remove, [], "first look deletes nothing");
  t.same([...first.offline].sort(), [3, 4]);
  const second = offlineToDelete(fleet, new Set([3]), "ci-runner", "ci-runner-a");
  t.same(second.remove.map((x) => x.name), ["ci-runner-dead"], "ci-runner-new was online at the previous look");
});

t.test("a runner online or busy now is never deleted, whatever the previous look saw", async (t) => {
  const now = [r(1, "ci-runner-a", "online"), r(3, "ci-runner-dead", "online"), r(6, "ci-runner-busy", "offline", true)];
  t.same(offlineToDelete(now, new Set([3, 6]), "ci-runner", "ci-runner-a").remove, []);
});

t.test("another pool whose prefix starts with ours (other labels) is never touched, nor does it take the lead", async (t) => {
  const gpu = ["self-hosted", "Linux", "X64", "gpu"];
  const two = [
    r(10, "ci-runner-0-gpu", "online", false, gpu), // sorts before ours: leads its own pool only
    r(11, "ci-runner-gpu-dead", "offline", false, gpu),
    r(1, "ci-runner-a", "online"),
    r(3, "ci-runner-dead", "offline"),
  ];
  const look = offlineToDelete(two, new Set([3, 11]), "ci-runner", "ci-runner-a");
  t.equal(look.collect, true, "ours has its own leader");
  t.same(look.remove.map((x) => x.name), ["ci-runner-dead"]);
  const theirs = offlineToDelete(two, new Set([3, 11]), "ci-runner", "ci-runner-0-gpu");
  t.same(theirs.remove.map((x) => x.name), ["ci-runner-gpu-dead"], "and the other pool's leader only its own");
});

t.test("labels compare as GitHub does: any order, any case", async (t) => {
  const mixed = [r(1, "ci-runner-a", "online"), r(3, "ci-runner-dead", "offline", false, ["CI", "x64", "linux", "Self-Hosted"])];
  t.same(offlineToDelete(mixed, new Set([3]), "ci-runner", "ci-runner-a").remove.map((x) => x.id), [3]);
});

t.test("not in the list yet (or another name than the prefix): collects nothing", async (t) => {
  t.same(offlineToDelete(fleet, new Set([3]), "ci-runner", "ci-runner-zz"), { collect: false, offline: new Set(), remove: [] });
  const named = [r(1, "my-box", "online"), r(3, "ci-runner-dead", "offline")];
  t.equal(offlineToDelete(named, new Set([3]), "ci-runner", "my-box").collect, false);
});

t.test("fleet counts and ActiveRunnersPercent", async (t) => {
  const { fleetCounts } = await import("../../src/runner/gc-offline-phase.ts");
  t.same(fleetCounts([...fleet, r(7, "ci-runner-c", "online", true)], "ci-runner"), {
    IdleRunnersCount: 2,
    ActiveRunnersCount: 2,
    OfflineRunnersCount: 2,
    AllRunnersCount: 6,
    ActiveRunnersPercent: 50,
  });
  t.equal(fleetCounts([], "ci-runner").ActiveRunnersPercent, 100, "100 when none is online, as the original image");
});
