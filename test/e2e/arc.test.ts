// actions-runner-controller drop-in: the chart starts the runner container
// with command /home/runner/run.sh and a JIT config in the environment, and
// no other settings. The container still gets the supervisor as PID 1, runs
// one job and exits with the runner's code.
import t from "tap";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { docker, IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, LABEL, queueJob, REPO } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";


t.test("ARC's command and JIT config: one job, exit 0, nothing left registered", async (t) => {
  const { fake } = await startGatewayFake(t);
  // What ARC's listener does before it creates the pod.
  const res = await fetch(`${fake.url}/api/v3/repos/${REPO}/actions/runners/generate-jitconfig`, {
    method: "POST",
    headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `arc-e2e-${process.pid}`, runner_group_id: 1, labels: [LABEL], work_folder: "_work" }),
  });
  t.equal(res.status, 201, "the fake issued a JIT config");
  const { encoded_jit_config: jit } = (await res.json()) as { encoded_jit_config: string };

  const id = await runContainer(t, {
    image: IMAGE,
    env: {
      ACTIONS_RUNNER_INPUT_JITCONFIG: jit,
      GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT: "actions-runner-controller/e2e",
      ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE: "1",
    },
    args: ["--entrypoint", "/home/runner/run.sh"],
  });
  await waitUntil("the JIT runner online", () => fake.runners().some((r) => r.status === "online"));

  const job = await jobDone(
    fake,
    queueJob(fake, { run: "echo arc job; cat /proc/1/cmdline | tr '\\0' ' '; echo; cat /home/runner/k8s/index.js" }),
  );
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  // The offline build's stand-in archive (RUNNER_CONTAINER_HOOKS_FILE) unpacked where ARC's settings point.
  t.match(job.log, /ci-runner e2e stand-in container hooks/, "container hooks at /home/runner/k8s/index.js");
  t.match(job.log, /ci-runner\.js/, "PID 1 is the supervisor, not run.sh");
  const exit = await docker(["wait", id]);
  t.equal(exit.stdout.trim(), "0", "the container exits 0 after its one job");
  t.same(fake.runners().map((r) => r.name), [], "nothing left registered");
  t.notMatch(await containerLogs(id), new RegExp(jit.slice(0, 40)), "the JIT config never reaches the logs");
});
