// DIND=1: the built-in root hook starts Docker-in-Docker when the container
// may (--privileged or sysbox), and otherwise says why in one message and
// lets the runner start anyway.
import t from "tap";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { BASE_IMAGE, docker, IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const privileged = await docker(["run", "--rm", "--network", "none", "--privileged", BASE_IMAGE, "true"], { check: false });
const skipPrivileged = privileged.code === 0 ? false : `this engine refuses --privileged containers: ${privileged.stderr.trim().split("\n").pop()}`;

t.test("without privileges: a clear message, and the runner starts anyway", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, { image: IMAGE, env: { ...runnerEnv(url, true), DIND: "1" } });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);
  t.match(await containerLogs(id), /Docker-in-Docker could not start \(run the container with --privileged or the sysbox runtime\); carrying on/, "the hook says why and how to fix it");
  const job = await jobDone(fake, queueJob(fake, { run: "echo still runs jobs" }));
  t.equal(job.conclusion, "Succeeded", "jobs that do not need Docker run");
});

t.test("with --privileged: guest's jobs use the inner engine", { skip: skipPrivileged }, async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, { image: IMAGE, env: { ...runnerEnv(url, true), DIND: "1" }, args: ["--privileged"] });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);
  t.match(await containerLogs(id), /Docker-in-Docker is up/, "the hook started dockerd");
  const job = await jobDone(fake, queueJob(fake, { run: "docker info --format 'inner engine {{.ServerVersion}}'" }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /inner engine \d+\./, "guest (group docker) talks to the inner dockerd");
});
