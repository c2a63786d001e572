// The ephemeral image under compose's `restart: always`: one job per
// container run, a fresh registration for each, and nothing left behind.
import t from "tap";
import { ComposeProject } from "./helpers/compose-project.ts";
import { docker } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, queueJob, runnerEnv } from "./helpers/runner-env.ts";


t.test("three jobs, three ephemeral runs, three registrations, none left", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "ephemeral", runnerEnv(url));
  await project.compose(["up", "-d", "ci-runner-ephemeral"]);

  const ids = [1, 2, 3].map((i) => queueJob(fake, { name: `eph-${i}`, run: "echo one job" }));
  const jobs = await Promise.all(ids.map((id) => jobDone(fake, id)));
  for (const job of jobs) t.equal(job.conclusion, "Succeeded", `${job.name} succeeded`);
  t.equal(new Set(jobs.map((j) => j.runnerId)).size, 3, "each job had its own registration");
  t.ok(jobs.every((j) => j.runnerId !== null && !fake.runners().some((r) => r.id === j.runnerId)), "each used registration is gone");

  const [id] = await project.containers("ci-runner-ephemeral");
  const restarts = Number((await docker(["inspect", "-f", "{{.RestartCount}}", id as string])).stdout.trim());
  t.ok(restarts >= 2, `the container exited after each job and compose restarted it (${restarts} restarts)`);

  await project.compose(["down"]);
  t.same(fake.runners().map((r) => r.name), [], "down leaves zero registrations");
});
