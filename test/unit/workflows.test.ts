import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { parse } from "yaml";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const DIR = join(REPO_ROOT, ".github/workflows");
const CI = join(DIR, "ci.yml");

/** Errors GitHub's own parser finds: schema (keys, types), expressions, contexts, job graph. Offline. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) if (!errors.includes(e.Message)) errors.push(e.Message);
  }
  return errors;
}

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}

const ci = readFileSync(CI, "utf8");
const doc = parse(ci) as { on: { push: { tags?: string[] } }; jobs: Record<string, Job> };
const steps = Object.values(doc.jobs).flatMap((j) => j.steps);

t.test("every workflow passes GitHub's workflow parser", async (t) => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  t.ok(files.includes("ci.yml"));
  for (const f of files) t.same(await workflowErrors(f, readFileSync(join(DIR, f), "utf8")), [], f);
});

t.test("the parser catches a wrong key, a broken expression and a missing job", async (t) => {
  t.match((await workflowErrors("ci.yml", ci.replace("timeout-minutes: 30", "timeout-minute: 30"))).join("\n"), /Unexpected value 'timeout-minute'/);
  t.match((await workflowErrors("ci.yml", ci.replace("${{ github.event_name == 'pull_request' }}", "${{ github.event_name == }}"))).join("\n"), /expression/i);
  t.not((await workflowErrors("ci.yml", ci.replace("needs: test", "needs: tests"))).length, 0);
});

t.test("lint, typecheck, the fast suite and the e2e suite run", async (t) => {
  const runs = steps.map((s) => s.run ?? "").join("\n");
  t.match(runs, /npm run typecheck/);
  t.match(runs, /npm test\b/);
  t.match(runs, /npm run test:e2e/);
  for (const s of steps.filter((s) => s.uses)) t.match(s.uses, /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/, `${s.uses} pinned`);
});

t.test("tags publish ci-runner and ci-runner:ephemeral, amd64 and arm64, to ghcr.io", async (t) => {
  t.ok(doc.on.push.tags?.length, "runs on tags");
  const publish = Object.values(doc.jobs).find((j) => j.steps.some((s) => s.uses?.startsWith("docker/build-push-action@")));
  if (!publish) throw new Error("no job builds images");
  t.match(publish.if, /startsWith\(github\.ref, 'refs\/tags\//, "only for tags");
  t.same([publish.needs].flat().sort(), ["e2e", "test"], "after both suites");
  t.equal(publish.permissions?.packages, "write");
  const uses = publish.steps.map((s) => s.uses?.replace(/@.*/, ""));
  for (const a of ["docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action"]) t.ok(uses.includes(a), a);
  t.equal(publish.steps.find((s) => s.uses?.startsWith("docker/login-action@"))?.with?.registry, "ghcr.io");
  const builds = publish.steps.filter((s) => s.uses?.startsWith("docker/build-push-action@"));
  t.same(builds.map((b) => b.with?.file), ["Dockerfile", "Dockerfile.ephemeral"]);
  for (const b of builds) {
    t.same(String(b.with?.platforms).split(","), ["linux/amd64", "linux/arm64"]);
    t.equal(b.with?.push, true);
  }
  t.match(String(builds[1]?.with?.["build-args"]), /CI_RUNNER_IMAGE=.*-runner/, "ephemeral built on the image just pushed");
});

t.test("the tags step names both images with the Dockerfile's runner version", async (t) => {
  const run = doc.jobs.publish?.steps.find((s) => s.id === "tags")?.run;
  if (!run) throw new Error("no tags step");
  const runner = /^ARG RUNNER_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"))?.[1];
  t.ok(runner, "the Dockerfile pins RUNNER_VERSION");
  const tmp = mkdtempSync(join(tmpdir(), "ci-workflow-"));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const out = join(tmp, "output");
  execFileSync("bash", ["-e", "-c", run], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, GITHUB_REF_NAME: "v1.4.2", GITHUB_REPOSITORY_OWNER: "Octo-Org", GITHUB_OUTPUT: out } });
  const text = readFileSync(out, "utf8");
  const image = "ghcr.io/octo-org/ci-runner";
  t.match(text, `main<<EOF\n${image}:1.4.2-runner${runner}\n${image}:1.4.2\n${image}:latest\nEOF\n`);
  t.match(text, `ephemeral<<EOF\n${image}:ephemeral-1.4.2-runner${runner}\n${image}:ephemeral-1.4.2\n${image}:ephemeral\nEOF\n`);
  t.match(text, `image=${image}\nversion=1.4.2\nrunner=${runner}\n`);
});
