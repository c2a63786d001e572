import t from "tap";
import { SessionTable } from "../fakes/github/session-table.ts";

// The fake GitHub's listener sessions: a test expires its own runner's idle session, never another test's
// (fakes-runner's tests share one fake, four at a time: a runner between two polls while it runs a job lost it).
t.test("sweep(now, only) drops only that runner's idle session", async (t) => {
  const table = new SessionTable(5000, 60_000, () => false);
  const one = table.create(1);
  const two = table.create(2);
  t.same(table.sweep(Infinity, 1), [1], "runner 1's session expired");
  t.equal(table.get(one as string), undefined);
  t.same(table.get(two as string), { runnerId: 2 }, "runner 2's is still there");
  t.same(table.sweep(Infinity), [2], "without `only`, every idle one");
});
