import { createRequire } from "node:module";
import t from "tap";
import { JobBook } from "../../src/controller/job-book.ts";
import { labelsMatch } from "../../src/controller/label-match.ts";
import { runnerOutputEvent } from "../../src/controller/runner-output.ts";
import { HostSlots } from "../../src/controller/host-slots.ts";
import { RunnerPool } from "../../src/controller/runner-pool.ts";
import { scaleDecision } from "../../src/controller/scale-decision.ts";
import { parseWorkflowJob, type JobState, type WorkflowJobEvent } from "../../src/controller/workflow-job-event.ts";

const ev = (id: number, state: JobState): WorkflowJobEvent => ({ id, runId: 1, state, repository: "o/r", labels: ["x"], runnerName: null });

t.test("GitHub's recorded workflow_job payloads (@octokit/webhooks-examples) parse", async (t) => {
  const all = createRequire(import.meta.url)("@octokit/webhooks-examples") as { name: string; examples: { action: string; workflow_job: { status: string } }[] }[];
  const examples = all.find((e) => e.name === "workflow_job")?.examples ?? [];
  t.ok(examples.length >= 4);
  for (const e of examples) {
    const job = parseWorkflowJob(e);
    t.type(job, "object", `${e.action} (${e.workflow_job.status})`);
    if (typeof job !== "object") continue;
    // A queued delivery whose job waits for an environment's approval is not runnable.
    t.equal(job.state, e.workflow_job.status === "waiting" ? "waiting" : e.action);
  }
  t.equal(parseWorkflowJob({ ...examples[0], action: "approved" }), "unknown action");
  t.equal(parseWorkflowJob([]), "the body is not a JSON object");
  t.equal(parseWorkflowJob({ action: "queued", workflow_job: { id: 1, run_id: 1, labels: [1] }, repository: { full_name: "o/r" } }), "workflow_job.labels is not a list of strings");
  t.equal(parseWorkflowJob({ action: "queued", workflow_job: { id: -1 } }), "workflow_job.id is not a positive integer");
});

t.test("labels: the job's are a subset of the runner's, case-insensitive", async (t) => {
  const runner = ["self-hosted", "Linux", "X64", "gpu"];
  t.ok(labelsMatch(["self-hosted", "linux", "GPU"], runner));
  t.ok(labelsMatch(["gpu"], runner));
  t.notOk(labelsMatch(["ubuntu-latest"], runner), "GitHub-hosted");
  t.notOk(labelsMatch(["gpu", "arm64"], runner), "one label missing");
  t.notOk(labelsMatch([], runner), "no labels: nobody's");
});

t.test("the job book: keyed by id, states only move forward", async (t) => {
  const book = new JobBook();
  t.equal(book.apply(ev(1, "queued"), 1000).kind, "new");
  t.equal(book.apply(ev(1, "queued"), 1001).kind, "unchanged", "a duplicate");
  t.equal(book.pending().length, 1);
  t.equal(book.apply(ev(2, "completed")).kind, "new", "completed without queued (cancelled while queued)");
  t.equal(book.apply(ev(2, "queued")).kind, "unchanged", "a late queued after completed");
  t.equal(book.apply(ev(1, "in_progress")).kind, "advanced");
  t.equal(book.apply(ev(1, "queued")).kind, "unchanged", "out of order");
  t.equal(book.apply(ev(1, "completed")).kind, "advanced");
  t.equal(book.apply(ev(1, "completed")).kind, "unchanged", "a re-run resending completed");
  t.equal(book.pending().length, 0, "no drift");
  t.equal(book.apply(ev(3, "waiting")).kind, "new");
  t.equal(book.pending().length, 0, "waiting is not pending");
  t.equal(book.apply(ev(3, "queued")).kind, "advanced", "approved: now queued");
  t.equal(book.get(3)?.queuedAt !== undefined, true);
  t.same(book.counts(), { waiting: 0, queued: 1, in_progress: 0, completed: 2 });
  t.equal(book.markGone(3)?.state, "completed");
  t.equal(book.apply(ev(3, "queued")).kind, "unchanged", "a late queued delivery does not bring it back");
  t.equal(book.apply(ev(3, "queued"), Date.now(), "reconcile").kind, "revived", "GitHub's queue listing it again does");
  t.equal(book.pending().length, 1);
  t.equal(book.apply(ev(2, "queued"), Date.now(), "reconcile").kind, "unchanged", "a job a delivery said completed stays so");
  t.equal(book.markGone(3)?.state, "completed");
  const copy = JobBook.from(JSON.parse(JSON.stringify(book.toJSON())));
  t.same(copy.counts(), book.counts(), "survives a save and a load");
  t.same(JobBook.from([{ id: "x" }, null, { id: 5, state: "queued", labels: ["a"] }]).counts(), { waiting: 0, queued: 1, in_progress: 0, completed: 0 }, "bad records skipped");
  book.prune(Date.now() + 25 * 3600_000);
  t.equal(book.get(1), undefined, "done jobs forgotten after a day");
});

t.test("scale decisions", async (t) => {
  const counts = (starting: number, idle: number, busy: number, stopping = 0) => ({ starting, idle, busy, stopping });
  const base = { warm: 0, max: 4, idle: [], idleGraceMs: 1000 };
  t.same(scaleDecision({ ...base, pending: 10, counts: counts(0, 0, 0) }), { start: 4, stop: [] }, "up to the cap");
  t.same(scaleDecision({ ...base, pending: 10, counts: counts(1, 0, 3) }), { start: 0, stop: [] }, "at the cap: the jobs wait");
  t.same(scaleDecision({ ...base, pending: 2, counts: counts(1, 1, 0) }), { start: 0, stop: [] }, "idle + starting cover the pending");
  t.same(scaleDecision({ ...base, pending: 2, warm: 1, counts: counts(1, 1, 0) }), { start: 1, stop: [] }, "plus the warm one");
  const idle = [
    { name: "a", idleMs: 500 },
    { name: "b", idleMs: 5000 },
    { name: "c", idleMs: 3000 },
  ];
  t.same(scaleDecision({ ...base, pending: 0, idle, counts: counts(0, 3, 0) }).stop, ["b", "c"], "idle past the grace, longest first");
  t.same(scaleDecision({ ...base, pending: 2, idle, counts: counts(0, 3, 0) }).stop, ["b"], "only the excess");
  t.same(scaleDecision({ ...base, pending: 0, warm: 3, idle, counts: counts(0, 3, 0) }).stop, [], "warm ones stay");
});

t.test("runner output relayed by the supervisor", async (t) => {
  t.same(runnerOutputEvent("[2024-01-02 03:04:05 UTC] runner: 2024-01-02 03:04:05Z: Listening for Jobs"), { kind: "listening" });
  t.same(runnerOutputEvent("[2024-01-02 03:04:05 UTC] runner: Running job: build (1, 2)"), { kind: "job-started", job: "build (1, 2)" });
  t.same(runnerOutputEvent("[2024-01-02 03:04:05 UTC] runner: Job build completed with result: Succeeded"), { kind: "job-completed", job: "build", result: "Succeeded" });
  t.equal(runnerOutputEvent("[2024-01-02 03:04:05 UTC] guest hooks: Listening for Jobs"), undefined, "another component's line");
});

t.test("the pool: jobs being served that no delivery named yet do not count as pending", async (t) => {
  const pool = new RunnerPool();
  const a = pool.add("a", 0);
  const b = pool.add("b", 0);
  a.tookJob = true;
  t.equal(pool.unconfirmedJobs(), 1, "a said it runs a job; no delivery named it");
  pool.noteJob({ ...ev(7, "in_progress"), runnerName: "a" });
  t.equal(pool.unconfirmedJobs(), 0, "the in_progress delivery named a");
  b.tookJob = true;
  pool.delete("b", 1000);
  t.equal(pool.unconfirmedJobs(), 1, "b is gone, its job's delivery still missing");
  pool.noteJob({ ...ev(8, "completed"), runnerName: "b" });
  t.equal(pool.unconfirmedJobs(), 0, "its late delivery came");
  const c = pool.add("c", 0);
  c.tookJob = true;
  pool.delete("c", 2000);
  pool.forgetServedBefore(1500);
  t.equal(pool.unconfirmedJobs(), 1, "a reconciliation that began before it left does not know yet");
  pool.forgetServedBefore(2500);
  t.equal(pool.unconfirmedJobs(), 0, "one that began after it does");
  t.same(pool.counts(), { starting: 0, idle: 0, busy: 1, stopping: 0 }, "a, named by a delivery, is busy");
});

t.test("the host's cap: an entry's queued jobs take slots back from other entries' idle warm runners, one per job, and keep them", async (t) => {
  // An entry of fake runners: `idle` warm ones it may yield, `busy` ones it never does.
  const holder = (idle: number, busy = 0) => {
    const h = {
      idle,
      busy,
      leaving: 0,
      woken: 0,
      asked: [] as string[],
      get runnerCount() {
        return h.idle + h.busy + h.leaving;
      },
      get leavingCount() {
        return h.leaving;
      },
      scaleSoon: () => void h.woken++,
      yieldIdle(why: string) {
        if (h.idle === 0) return false;
        h.asked.push(why);
        [h.idle, h.leaving] = [h.idle - 1, h.leaving + 1];
        return true;
      },
    };
    return h;
  };
  const host = new HostSlots(4);
  const [alpha, beta, gamma] = [holder(1, 1), holder(2), holder(0)];
  for (const h of [alpha, beta, gamma]) host.join(h);
  t.equal(host.free(gamma, 2, 2), 0, "the host is full");
  host.reclaim(gamma, 2, "gamma's jobs");
  t.equal(alpha.leaving + beta.leaving, 2, "two idle runners asked to leave for two jobs");
  t.equal(alpha.busy, 1, "the busy runner untouched");
  host.reclaim(gamma, 2, "gamma's jobs");
  t.equal(alpha.leaving + beta.leaving, 2, "asked again while they leave: nobody more");
  // One leaves: the slot is gamma's, not the warm demand of the entry it left.
  const left = alpha.leaving > 0 ? alpha : beta;
  left.leaving--;
  host.freed();
  t.equal(gamma.woken, 1, "gamma woken");
  t.equal(host.free(left, 1, 0), 0, "a warm runner may not take the slot owed to gamma's job");
  t.equal(host.free(gamma, 2, 2), 1, "gamma's job takes it");
});
