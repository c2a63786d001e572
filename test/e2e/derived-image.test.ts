// A derived image (`FROM ci-runner`) adds a root hook and a guest hook with
// no other boilerplate: both run, after the built-in hooks and in order,
// and what they export through $CI_RUNNER_ENV reaches the runner's jobs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { docker, IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const DOCKERFILE = `FROM ${IMAGE}
RUN echo "installed by the derived image as $(whoami)" > /etc/derived-marker
COPY entrypoint.50-e2e-root.sh /root/
COPY --chown=guest:guest entrypoint.50-e2e-guest.sh /home/guest/
`;

const ROOT_HOOK = `#!/bin/bash
echo "e2e root hook as $(whoami)"
echo root >> /tmp/hook-order && chmod 666 /tmp/hook-order
echo "E2E_ROOT_VAR=from-root-hook" >> "$CI_RUNNER_ENV"
`;

const GUEST_HOOK = `#!/bin/bash
echo "e2e guest hook as $(whoami), sees E2E_ROOT_VAR=$E2E_ROOT_VAR"
echo guest >> /tmp/hook-order
echo "E2E_GUEST_VAR=from guest hook" >> "$CI_RUNNER_ENV"
`;

t.test("a derived image's root and guest hooks run in order and export to jobs", async (t) => {
  const ctx = mkdtempSync(join(tmpdir(), "ci-runner-e2e-derived-"));
  t.teardown(() => rmSync(ctx, { recursive: true, force: true }));
  writeFileSync(join(ctx, "Dockerfile"), DOCKERFILE);
  writeFileSync(join(ctx, "entrypoint.50-e2e-root.sh"), ROOT_HOOK, { mode: 0o755 });
  writeFileSync(join(ctx, "entrypoint.50-e2e-guest.sh"), GUEST_HOOK, { mode: 0o755 });
  const tag = `ci-runner-e2e-derived:${process.pid}`;
  await docker(["build", "--network", "none", "-q", "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" } });
  t.teardown(() => docker(["rmi", "-f", tag], { check: false }));

  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, { image: tag, env: runnerEnv(url, true) });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);

  const logs = await containerLogs(id);
  t.match(logs, /running 3 hook\(s\) as root: \/root\/entrypoint\.04-docker-socket\.sh \/root\/entrypoint\.05-dind\.sh \/root\/entrypoint\.50-e2e-root\.sh/, "built-in hooks first, then the derived one");
  t.match(logs, /e2e root hook as root/, "the root hook ran as root");
  t.match(logs, /e2e guest hook as guest, sees E2E_ROOT_VAR=from-root-hook/, "the guest hook ran as guest, after the root hook's export");

  const job = await jobDone(fake, queueJob(fake, {
    run: 'echo "root=$E2E_ROOT_VAR guest=$E2E_GUEST_VAR order=$(paste -sd, /tmp/hook-order)"; cat /etc/derived-marker',
  }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /root=from-root-hook guest=from guest hook order=root,guest\n/, "both exports reached the job; hooks ran root then guest");
  t.match(job.log, /installed by the derived image as root/, "RUN in a derived image runs as root");
});
