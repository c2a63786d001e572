// `docker compose up -d --scale ci-runner=3` against the fake GitHub: three
// runners, jobs on all of them, and `down` leaves nothing registered.
import t from "tap";
import { ComposeProject } from "./helpers/compose-project.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

t.test("a pool of three: distinct runners, jobs run on each, down deregisters all", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "pool", runnerEnv(url));

  await project.compose(["up", "-d", "--scale", "ci-runner=3", "ci-runner"]);
  const names = await waitUntil("three runners online", () => {
    const online = onlineRunners(fake);
    return online.length === 3 ? online : undefined;
  });
  t.equal(new Set(names).size, 3, `three distinct names: ${names.join(", ")}`);
  t.equal((await project.containers("ci-runner")).length, 3, "three containers");

  // Three held jobs: all three run at once only on three different runners (a busy runner takes no other).
  const ids = [1, 2, 3].map((i) => queueJob(fake, { name: `pool-${i}`, run: "echo ran as $(whoami)", hold: true }));
  await waitUntil("the three jobs running at once", () => ids.every((id) => fake.job(id)?.status === "in_progress"));
  for (const id of ids) fake.releaseJob(id);
  const jobs = await Promise.all(ids.map((id) => jobDone(fake, id)));
  for (const job of jobs) {
    t.equal(job.conclusion, "Succeeded", `${job.name} succeeded`);
    t.match(job.log, /ran as guest/, `${job.name} ran as guest`);
    t.ok(job.runnerName !== null && names.includes(job.runnerName), `${job.name} ran on a pool runner (${job.runnerName})`);
  }
  t.equal(new Set(jobs.map((j) => j.runnerName)).size, 3, "the three jobs ran on three different runners");

  // A job's git over HTTPS uses the step's own token through the image's credential helper.
  const git = await jobDone(
    fake,
    queueJob(fake, {
      name: "git-credential",
      env: { GITHUB_TOKEN: "ghs_stepTokenForGit0001" },
      run: "printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill; env | grep -c '^GH_TOKEN=' || true",
    }),
  );
  t.equal(git.conclusion, "Succeeded");
  t.match(git.log, /username=x-access-token\s+password=ghs_stepTokenForGit0001/, "the step's token, from the helper");
  t.match(git.log, /^0$/m, "no GH_TOKEN in the job's environment");

  await project.compose(["down"]);
  t.same(fake.runners().map((r) => r.name), [], "down leaves zero registrations");
  t.equal((await project.containers("ci-runner")).length, 0, "no container left");
});

t.test("REPLICAS sizes the pool without --scale (seed 004's variable)", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "replicas", { ...runnerEnv(url), REPLICAS: "2" });
  await project.compose(["up", "-d", "ci-runner"]);
  const names = await waitUntil("two runners online", () => {
    const online = onlineRunners(fake);
    return online.length === 2 ? online : undefined;
  });
  t.equal(new Set(names).size, 2, `two distinct runners: ${names.join(", ")}`);
  await project.compose(["down"]);
  t.same(fake.runners().map((r) => r.name), [], "down leaves zero registrations");
});

t.test("README's Quick start: the PAT in GH_TOKEN from the shell, no secret file (compose mounts /dev/null)", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  // No .env: GH_TOKEN_FILE unset, so compose.yml's GH_TOKEN secret is /dev/null and the variable carries the PAT.
  const project = ComposeProject.create(t, "quickstart", { ...runnerEnv(url, true), GH_TOKEN_FILE: "" });
  await project.compose(["up", "-d", "ci-runner"]);
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);
  const job = await jobDone(fake, queueJob(fake, { name: "quickstart", run: "env | grep -c '^GH_TOKEN=' || true" }));
  t.equal(job.conclusion, "Succeeded");
  t.match(job.log, /^0$/m, "the PAT from the shell does not reach the job's environment");
  await project.compose(["down"]);
  t.same(fake.runners().map((r) => r.name), [], "down leaves zero registrations");
});
