// actions-runner-controller, the chart's default mode (no containerMode):
// the runner pod as gha-runner-scale-set renders it, with the command
// /home/runner/run.sh and a pre-issued JIT config. The supervisor is PID 1,
// runs a hook mounted from a ConfigMap and forwarding, the one job runs in
// /home/runner/_work and the pod's container exits 0 (restartPolicy: Never).
// Then the same pod with the raw runner's command instead of the supervisor.
import t from "tap";
import { runArcPod } from "./helpers/arc-pod.ts";
import { containerLogs } from "./helpers/container.ts";
import { IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, queueJob } from "./helpers/runner-env.ts";

t.jobs = 2;

/** The job's checkout dir: the runner's default work folder, _work under its root /home/runner. */
const CHECKOUT = "/home/runner/_work/hello/hello";

t.test("bare mode: the supervisor runs the job in /home/runner/_work, with hooks and forwarding; exit 0", async (t) => {
  const { fake } = await startGatewayFake(t);
  const port = new URL(fake.url).port;
  const { pod, jit } = await runArcPod(
    t,
    `
restartPolicy: Never
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run.sh"]
    env:
      - name: FORWARD_HOST
        value: host.docker.internal
      - name: FORWARD_PORTS
        value: "${port}"
    volumeMounts:
      - name: hooks
        mountPath: /home/guest/entrypoint.50-arc.sh
        subPath: entrypoint.50-arc.sh
volumes:
  - name: hooks
    configMap:
      name: runner-hooks
`,
    {
      fake,
      name: "arc-bare",
      configMaps: { "runner-hooks": { "entrypoint.50-arc.sh": 'echo "ARC_HOOK=ran as $(whoami)" >> "$CI_RUNNER_ENV"\n' } },
    },
  );
  const job = await jobDone(
    fake,
    queueJob(fake, {
      run: [
        "echo pid1=$(tr '\\0' ' ' < /proc/1/cmdline)",
        "echo user=$(whoami) pwd=$(pwd) hook=$ARC_HOOK",
        // The fake GitHub through the forwarded port: it answers an unauthenticated call with 401.
        `echo forwarded=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${port}/api/v3/repos/octo/hello/actions/runners)`,
        "echo from the job > from-job.txt",
      ].join("\n"),
    }),
  );
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /pid1=\/opt\/ci-runner\/node .*\/opt\/ci-runner\/ci-runner\.js/, "PID 1 is the supervisor, not run.sh");
  t.match(job.log, `user=guest pwd=${CHECKOUT} hook=ran as guest`, "as guest, in the runner's _work, after the ConfigMap's hook");
  t.match(job.log, "forwarded=401", "127.0.0.1:PORT reaches FORWARD_HOST");
  t.equal(await pod.wait("runner"), 0, "the runner container exits 0 after its one job");
  t.equal(await pod.readFile("runner", `${CHECKOUT}/from-job.txt`), "from the job\n", "the job's files are in /home/runner/_work");
  t.same(fake.runners().map((r) => r.name), [], "nothing left registered");
  t.notMatch(await containerLogs(pod.container("runner")), jit.slice(0, 40), "the JIT config never reaches the logs");
});

t.test("the raw runner (/home/runner/run-runner.sh) in place of the supervisor also runs the job", async (t) => {
  const { fake } = await startGatewayFake(t);
  const { pod } = await runArcPod(
    t,
    `
restartPolicy: Never
securityContext:
  runAsUser: 1001
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run-runner.sh"]
`,
    { fake, name: "arc-raw" },
  );
  const job = await jobDone(fake, queueJob(fake, { run: "echo pid1=$(tr '\\0' ' ' < /proc/1/cmdline); echo user=$(whoami) pwd=$(pwd); echo raw > from-job.txt" }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /pid1=\/bin\/bash \/home\/runner\/run-runner\.sh/, "no supervisor: PID 1 is the runner's own run.sh");
  t.match(job.log, `user=guest pwd=${CHECKOUT}`);
  t.equal(await pod.wait("runner"), 0, "exit 0 after the job");
  t.equal(await pod.readFile("runner", `${CHECKOUT}/from-job.txt`), "raw\n");
});
