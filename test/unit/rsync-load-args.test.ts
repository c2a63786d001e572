// The load's rsync flags: ci-storage's own into a checkout with anything in
// it; in place and without --delete only into an empty one.
import t from "tap";
import { rsyncLoadArgs } from "../../src/warmstart/rsync-args.ts";

const base = { ssh: ["ssh", "-p", "22"], source: "host:/slot/", localDir: "/work/hello", asRoot: false };

t.test("a checkout with anything in it: --delete, never --inplace (a job's hard link would be written through)", async (t) => {
  for (const args of [rsyncLoadArgs(base), rsyncLoadArgs({ ...base, emptyDestination: false })]) {
    t.ok(args.includes("--delete"));
    t.notOk(args.includes("--inplace"));
  }
});

t.test("an empty checkout: --inplace, no --delete; the rest as for any load", async (t) => {
  const empty = rsyncLoadArgs({ ...base, emptyDestination: true });
  t.ok(empty.includes("--inplace"));
  t.notOk(empty.includes("--delete"));
  const rest = (args: string[]) => args.filter((a) => a !== "--inplace" && a !== "--delete");
  t.same(rest(empty), rest(rsyncLoadArgs(base)), "every other flag, the exclusion and the paths the same");
});
