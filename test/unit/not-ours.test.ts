import t from "tap";
import { resolveScope } from "../../src/config/scope.ts";
import { notOurs } from "../../src/controller/not-ours.ts";
import type { WorkflowJobEvent } from "../../src/controller/workflow-job-event.ts";

const job = (repository: string, labels: string[]): WorkflowJobEvent => ({ id: 7, runId: 1, state: "queued", repository, labels, runnerName: null });
const repo = resolveScope("https://github.com", { GH_REPOSITORY: "acme/web" }, false);
const org = resolveScope("https://github.com", { GH_ORG: "acme" }, false);
const ent = resolveScope("https://github.com", { GH_ENTERPRISE: "big" }, false);
const runners = { runnerLabels: ["self-hosted", "Linux", "X64", "gpu"], requiredLabels: [] as string[] };

t.test("whose job it is: the scope's repositories, the runners' labels, the required ones", async (t) => {
  const cases: [string, ReturnType<typeof resolveScope>, WorkflowJobEvent, typeof runners, RegExp | undefined][] = [
    ["its repository", repo, job("Acme/Web", ["self-hosted"]), runners, undefined],
    ["another repository", repo, job("acme/api", ["self-hosted"]), runners, /is for acme\/api, and these runners are registered to acme\/web/],
    ["a repository of the organization", org, job("ACME/api", ["gpu"]), runners, undefined],
    ["another organization's repository", org, job("other/api", ["gpu"]), runners, /is for other\/api, and these runners are registered to the organization acme/],
    ["any repository of an enterprise", ent, job("other/api", ["gpu"]), runners, undefined],
    ["labels the runners lack", repo, job("acme/web", ["ubuntu-latest"]), runners, /\(acme\/web\) wants \[ubuntu-latest\], which runners with \[self-hosted, Linux, X64, gpu\] do not have/],
    ["a required label missing", org, job("acme/web", ["self-hosted"]), { ...runners, requiredLabels: ["GPU"] }, /\(acme\/web\) does not ask for \[GPU\] \(required_labels\)/],
    ["a required label there", org, job("acme/web", ["self-hosted", "gpu"]), { ...runners, requiredLabels: ["GPU"] }, undefined],
  ];
  for (const [what, scope, ev, settings, why] of cases) {
    const got = notOurs(ev, scope, settings);
    if (why === undefined) t.equal(got, undefined, `${what}: ours`);
    else t.match(got, why, `${what}: not ours`);
  }
});
