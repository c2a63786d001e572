// RUNNER_WAIT_FOR_DOCKER_IN_SECONDS (actions-runner-controller's dind mode
// sets 120): the runner starts once `docker ps` works for the runner user,
// or when the wait ends, with one line; run.sh then does not wait again.
// A stand-in `docker` on PATH answers once the test creates a file.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { setupRig } from "../helpers/rig.ts";

/** A directory for PATH holding a `docker` that fails until $DOCKER_READY_FILE exists. */
function fakeDocker(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { mode: 0o755 });
  writeFileSync(
    join(bin, "docker"),
    '#!/bin/sh\n[ -e "$DOCKER_READY_FILE" ] && exit 0\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
  );
  chmodSync(join(bin, "docker"), 0o755);
  return bin;
}

t.test("the runner starts after the engine answers; run.sh does not wait again", async (t) => {
  const rig = await setupRig(t);
  const ready = join(rig.base, "docker-ready");
  const bin = fakeDocker(rig.base);
  const sup = rig.start({ PATH: `${bin}:${rig.env.PATH}`, DOCKER_READY_FILE: ready, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "120" });
  await sup.waitForLine(/waiting for docker-wait before starting the runner/);
  t.notOk(sup.lines.some((l) => /Listening for Jobs/.test(l)), "no runner while the engine does not answer");
  writeFileSync(ready, "");
  await sup.waitForLine(/Listening for Jobs/);
  const answered = sup.lines.findIndex((l) => /docker: the engine at unix:\/\/\/var\/run\/docker\.sock answers ci-runner-test \(after [\d.]+ s\)/.test(l));
  t.ok(answered >= 0, "one line when it answers");
  t.ok(answered < sup.lines.findIndex((l) => /Listening for Jobs/.test(l)), "before the runner listens");
  t.notMatch(sup.output(), /Waiting for docker to be ready/, "run.sh got RUNNER_WAIT_FOR_DOCKER_IN_SECONDS=0");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.ok(existsSync(ready));
});

t.test("no answer within the wait: one line naming the variable and why, then the runner starts", async (t) => {
  const rig = await setupRig(t);
  const bin = fakeDocker(rig.base);
  const sup = rig.start({ PATH: `${bin}:${rig.env.PATH}`, DOCKER_READY_FILE: join(rig.base, "never"), RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "1" });
  await sup.waitForLine(/Listening for Jobs/);
  const lines = sup.lines.filter((l) => /RUNNER_WAIT_FOR_DOCKER_IN_SECONDS/.test(l));
  t.equal(lines.length, 1, "one line");
  t.match(
    lines[0],
    /warning: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: no Docker engine answered ci-runner-test at unix:\/\/\/var\/run\/docker\.sock within 1 s \(Cannot connect to the Docker daemon .*\); starting the runner without it/,
  );
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("a hook's exported DOCKER_HOST is the engine waited for", async (t) => {
  const rig = await setupRig(t);
  const bin = join(rig.base, "bin");
  mkdirSync(bin, { mode: 0o755 });
  // Answers only for the socket the guest hook exports, as a dind sidecar's would.
  writeFileSync(join(bin, "docker"), '#!/bin/sh\n[ "$DOCKER_HOST" = unix:///run/dind/docker.sock ] && exit 0\necho "Cannot connect to the Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}" >&2\nexit 1\n');
  chmodSync(join(bin, "docker"), 0o755);
  writeFileSync(join(rig.guestHooks, "entrypoint.10-dind.sh"), 'echo DOCKER_HOST=unix:///run/dind/docker.sock >> "$CI_RUNNER_ENV"\n', { mode: 0o755 });
  const sup = rig.start({ PATH: `${bin}:${rig.env.PATH}`, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "120" });
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /docker: the engine at unix:\/\/\/run\/dind\/docker\.sock answers ci-runner-test/);
  t.notMatch(sup.output(), /RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: no Docker engine answered/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("not a number: exit 78 naming it, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "two minutes" });
  t.equal((await sup.exited).code, 78);
  t.match(sup.output(), /RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: expected an integer 0-86400/);
  t.equal(rig.fake.runners().length, 0);
});
