// actions-runner-controller, containerMode dind: the pod as the chart
// renders it for Kubernetes >= 1.29. The init container copies the image's
// /home/runner/externals into a volume; the dind sidecar mounts that copy at
// /home/runner/externals and the work volume at /home/runner/_work, so the
// paths the runner hands to job containers exist in the engine's view; the
// runner container shares the sidecar's /var/run (an emptyDir over /run).
//
// Stand-in for docker:dind: this engine refuses --privileged containers,
// so the `dind` sidecar is this image running a small socket proxy instead
// of dockerd: with the chart's volume mounts, env, restartPolicy and
// startupProbe, it serves /var/run/docker.sock (root, group
// $(DOCKER_GROUP_GID), mode 660, as `dockerd --group` makes it) and passes
// each connection to the test's own engine, whose socket it mounts (the
// only addition to the chart's spec).
import t from "tap";
import { runArcPod } from "./helpers/arc-pod.ts";
import { IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, queueJob } from "./helpers/runner-env.ts";

const SOCKET_PROXY = `
const net = require("node:net"), fs = require("node:fs");
const path = "/var/run/docker.sock";
fs.rmSync(path, { force: true });
net.createServer((client) => {
  const engine = net.connect("/host/docker.sock");
  client.pipe(engine).pipe(client);
  client.on("error", () => engine.destroy());
  engine.on("error", () => client.destroy());
}).listen(path, () => {
  fs.chownSync(path, 0, Number(process.env.DOCKER_GROUP_GID));
  fs.chmodSync(path, 0o660);
});
`;

const CHECKOUT = "/home/runner/_work/hello/hello";

t.test("dind: externals copied, the work folder is the shared /home/runner/_work, guest reaches the sidecar's socket", async (t) => {
  const { fake } = await startGatewayFake(t);
  const { pod } = await runArcPod(
    t,
    `
restartPolicy: Never
initContainers:
  - name: init-dind-externals
    image: ${IMAGE}
    command: ["cp"]
    args: ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"]
    volumeMounts:
      - name: dind-externals
        mountPath: /home/runner/tmpDir
  - name: dind
    image: ${IMAGE}                                    # stand-in: docker:dind
    command: ["/opt/ci-runner/node", "-e", ${JSON.stringify(SOCKET_PROXY)}]   # stand-in
    args: ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"]
    env:
      - name: DOCKER_GROUP_GID
        value: "123"
    restartPolicy: Always
    startupProbe:
      exec:
        command: ["docker", "info"]
      initialDelaySeconds: 0
      failureThreshold: 24
      periodSeconds: 5
    volumeMounts:
      - name: work
        mountPath: /home/runner/_work
      - name: dind-sock
        mountPath: /var/run
      - name: dind-externals
        mountPath: /home/runner/externals
      - name: host-docker                              # stand-in
        mountPath: /host/docker.sock
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run.sh"]
    env:
      - name: DOCKER_HOST
        value: unix:///var/run/docker.sock
      - name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS
        value: "120"
    volumeMounts:
      - name: work
        mountPath: /home/runner/_work
      - name: dind-sock
        mountPath: /var/run
volumes:
  - name: dind-sock
    emptyDir: {}
  - name: dind-externals
    emptyDir: {}
  - name: work
    emptyDir: {}
  - name: host-docker                                  # stand-in
    hostPath:
      path: /var/run/docker.sock
`,
    { fake, name: "arc-dind" },
  );
  t.equal(pod.initExitCodes["init-dind-externals"], 0, "the init container's copy succeeded");
  t.match(await pod.inVolume("dind-externals", "ls /v/node20/bin"), /^node$/m, "and copied the runner's externals");

  const job = await jobDone(
    fake,
    queueJob(fake, {
      run: [
        "echo user=$(whoami) pwd=$(pwd)",
        "echo socket=$(stat -c '%U:%G %a' /var/run/docker.sock)",
        "docker version --format 'engine={{.Server.Version}}'",
        "echo state=$(grep -o '\"state\": \"[a-z]*\"' /run/ci-runner/state.json)",
        "echo from the job > from-job.txt",
      ].join("\n"),
    }),
  );
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, `user=guest pwd=${CHECKOUT}`, "the runner's work folder is the shared /home/runner/_work");
  t.match(job.log, "socket=root:docker 660", "the sidecar's socket, group docker");
  t.match(job.log, /^engine=\d+\.\d+/m, "guest reaches the engine through it");
  t.match(job.log, 'state="state": "busy"', "the state file lives on in the emptyDir over /var/run");
  t.equal(await pod.wait("runner"), 0, "the runner container exits 0 after its one job");

  const logs = await pod.logs("runner");
  t.match(logs, /docker: the engine at unix:\/\/\/var\/run\/docker\.sock answers guest/, "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: waited for the sidecar");
  const inSidecar = await pod.exec("dind", ["sh", "-c", `cat ${CHECKOUT}/from-job.txt; ls /home/runner/externals/node20/bin`]);
  t.equal(inSidecar.stdout, "from the job\nnode\n", "the engine's side sees the job's files and the externals at the runner's paths");
  t.same(fake.runners().map((r) => r.name), [], "nothing left registered");
});
