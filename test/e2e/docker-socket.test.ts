// The host's Docker socket mounted into the container (the common
// alternative to DinD): the built-in root hook puts guest in the group that
// owns it on this host, so that a job, run as guest, can use it.
import t from "tap";
import { statSync } from "node:fs";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const SOCKET = "/var/run/docker.sock";

t.test("host socket mounted: one line at boot, and guest's job runs docker ps against the host engine", async (t) => {
  const gid = statSync(SOCKET).gid;
  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, { image: IMAGE, env: runnerEnv(url, true), args: ["-v", `${SOCKET}:${SOCKET}`] });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);
  const logs = await containerLogs(id);
  t.match(logs, new RegExp(`docker socket ${SOCKET} (belongs to gid ${gid}: added guest to group \\S+ \\(gid ${gid}(, created)?\\)|: guest is already in its group \\(gid ${gid}\\))`), "the hook says what it did");
  const job = await jobDone(fake, queueJob(fake, { run: `id -un; docker ps --filter id=${id} --format 'sees itself: {{.ID}}'` }));
  t.equal(job.conclusion, "Succeeded", job.log);
  t.match(job.log, /^guest$/m, "the job ran as guest");
  t.match(job.log, new RegExp(`sees itself: ${id.slice(0, 12)}`), "docker ps reached the host's engine");
});
