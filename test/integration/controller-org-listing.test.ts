// An organization's controller looks for lost deliveries in the repositories
// its deliveries came from: the ones active within a day at every
// reconciliation, the quiet ones in turn, so that an organization with many
// repositories does not spend its API budget (and its runners' JIT configs'
// share of it) on listings that find nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { ACTIVE_MS, DORMANT_PER_PASS } from "../../src/controller/repository-book.ts";
import { startControllerRig } from "../helpers/controller-rig.ts";

t.test("an organization's quiet repositories are listed in turn, its active ones at every reconciliation", async (t) => {
  const rig = await startControllerRig(t, { GH_REPOSITORY: "", GH_ORG: "octo", RECONCILE_INTERVAL_SEC: "1" });
  await rig.stop();
  // As a run would have left it: one repository with a delivery an hour ago, six quiet for two days.
  const file = join(rig.dataDir, "controller-state.json");
  const state = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const now = Date.now();
  const quiet = ["octo/q0", "octo/q1", "octo/q2", "octo/q3", "octo/q4", "octo/q5"];
  const activity: Record<string, number> = { "octo/active": now - 3600_000 };
  for (const q of quiet) activity[q] = now - 2 * ACTIVE_MS;
  writeFileSync(file, JSON.stringify({ ...state, repositories: Object.keys(activity), repositoryActivity: activity }));
  const listed = (repo: string) => rig.gh.requests().filter((r) => r.path.includes(`/repos/${repo}/actions/runs?`) && /status=queued/.test(r.path)).length;
  await rig.crashAndRestart();
  const passes = Math.ceil(quiet.length / DORMANT_PER_PASS) + 1;
  await rig.gh.waitFor(() => listed("octo/active") >= passes);
  const active = listed("octo/active");
  for (const q of quiet) t.ok(listed(q) >= 1, `${q} listed within ${passes} reconciliations`);
  const quietListings = quiet.reduce((n, q) => n + listed(q), 0);
  t.ok(quietListings <= active * DORMANT_PER_PASS, `${quietListings} listings of quiet repositories in ${active} reconciliations: at most ${DORMANT_PER_PASS} each`);
  t.ok(quietListings >= (active - 1) * DORMANT_PER_PASS, "and that many in each");
  // A job queued in a quiet one whose delivery is lost: found at its turn, served, and the repository is
  // listed at every reconciliation from then on.
  rig.hook.drop(() => true);
  const id = rig.gh.queueJob({ labels: ["ctl"], repository: "octo/q3", name: "lost" });
  const job = await rig.gh.waitFor(() => rig.gh.job(id)?.status === "completed" && rig.gh.job(id));
  t.equal(job && job.conclusion, "Succeeded", "served");
  const [a0, q0] = [listed("octo/active"), listed("octo/q3")];
  await rig.gh.waitFor(() => listed("octo/active") >= a0 + 4);
  t.ok(listed("octo/q3") - q0 >= listed("octo/active") - a0 - 1, "octo/q3 at every reconciliation since");
});

t.test("an organization's repository GitHub answers 404 for: one warning, no longer looked at, the controller stays ok", async (t) => {
  const rig = await startControllerRig(t, { GH_REPOSITORY: "", GH_ORG: "octo", RECONCILE_INTERVAL_SEC: "1" });
  await rig.stop();
  const file = join(rig.dataDir, "controller-state.json");
  const state = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...state, repositories: ["octo/gone"], repositoryActivity: { "octo/gone": Date.now() } }));
  rig.gh.fault({ path: "/repos/octo/gone/actions/runs", status: 404 });
  const looks = () => rig.gh.requests().filter((r) => r.path.includes("/orgs/octo/actions/runners?")).length;
  const listed = () => rig.gh.requests().filter((r) => r.path.includes("/repos/octo/gone/actions/runs?")).length;
  await rig.crashAndRestart();
  await rig.waitForLine(/ warning: repository octo\/gone: GitHub answers 404 \(deleted, renamed or no longer visible to the credential\): its queued jobs are no longer looked for/);
  const seen = looks();
  await rig.gh.waitFor(() => looks() >= seen + 3);
  t.equal(listed(), 1, "listed once, then forgotten");
  t.equal((rig.running.controller.health() as { status: string }).status, "ok");
  t.notOk(rig.lines.some((l) => /reconciliation: /.test(l)), "no reconciliation failure");
});
