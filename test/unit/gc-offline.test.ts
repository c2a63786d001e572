import t from "tap";
import { offlineToDelete } from "../../src/runner/gc-offline-phase.ts";

const r = (id: number, name: string, status: string, busy = false) => ({ id, name, status, busy });
const fleet = [
  r(1, "ci-runner-a", "online"),
  r(2, "ci-runner-b", "online"),
  r(3, "ci-runner-dead", "offline"),
  r(4, "ci-runner-new", "offline"),
  r(5, "other-dead", "offline"),
  r(6, "ci-runner-busy", "offline", true),
];

t.test("only the alphabetically first online runner of the prefix collects", async (t) => {
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

t.test("fleet counts and ActiveRunnersPercent", async (t) => {
  const { fleetCounts } = await import("../../src/runner/fleet-leader.ts");
  t.same(fleetCounts([...fleet, r(7, "ci-runner-c", "online", true)], "ci-runner"), {
    IdleRunnersCount: 2,
    ActiveRunnersCount: 2,
    OfflineRunnersCount: 2,
    AllRunnersCount: 6,
    ActiveRunnersPercent: 50,
  });
  t.equal(fleetCounts([], "ci-runner").ActiveRunnersPercent, 100, "100 when none is online, as the original image");
});
