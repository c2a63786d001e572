// actions-runner-controller, containerMode kubernetes and
// kubernetes-novolume: the runner pods as the chart renders them, the
// container hooks where the chart's ACTIONS_RUNNER_CONTAINER_HOOKS points
// (the fake runner checks the script as the real one does before a hook
// call, and fails the job without it), and the work folder: on the mounted
// claim in kubernetes mode (which the hooks mount into job pods, so the warm
// start must load there too), in the container in kubernetes-novolume mode.
// Plus kubernetes mode in a non-root pod (runAsUser 1001, runAsNonRoot,
// fsGroup 123, no privilege escalation): what restricted clusters enforce.
import t from "tap";
import { runArcPod } from "./helpers/arc-pod.ts";
import { IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { runPod } from "./helpers/pod.ts";
import { jobDone, queueJob, REPO } from "./helpers/runner-env.ts";
import { createNetwork, startStorageHost } from "./helpers/storage-host.ts";

t.jobs = 3;

const CHECKOUT = "/home/runner/_work/hello/hello";
const JOB = [
  "echo user=$(id -un) uid=$(id -u) groups=$(id -G | tr ' ' ,) pwd=$(pwd) pod=$ACTIONS_RUNNER_POD_NAME",
  // As the runner runs a .js hook: with its own node from externals.
  'echo hooks=$(/home/runner/externals/node20/bin/node "$ACTIONS_RUNNER_CONTAINER_HOOKS")',
  "echo from the job > from-job.txt",
].join("\n");

/** The runner container's env in kubernetes mode, as the chart adds it. */
const KUBERNETES_ENV = `
      - name: ACTIONS_RUNNER_CONTAINER_HOOKS
        value: /home/runner/k8s/index.js
      - name: ACTIONS_RUNNER_POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER
        value: "true"`;

/** The chart's work volume in kubernetes mode: an ephemeral claim of containerMode.kubernetesModeWorkVolumeClaim. */
const WORK_CLAIM = `
  - name: work
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: ["ReadWriteOnce"]
          storageClassName: local-path
          resources:
            requests:
              storage: 1Gi`;

t.test("kubernetes: hooks at /home/runner/k8s, the work folder (and the warm start) on the mounted claim", async (t) => {
  const network = await createNetwork(t, "arck8s");
  const storage = await startStorageHost(t, network);
  // The slot ci-storage keeps for this checkout dir: {root}/{owner}/{repo}/{dir with / as _}/{slot}/.
  const storageDir = `/mnt/${REPO}/${CHECKOUT.replaceAll("/", "_")}`;
  await storage.sh(`mkdir -p ${storageDir}/slot-1 && echo "from the slot" > ${storageDir}/slot-1/marker.txt && chown -R storage:storage /mnt/${REPO.split("/")[0]}`);
  const { fake } = await startGatewayFake(t);
  const { pod } = await runArcPod(
    t,
    `
restartPolicy: Never
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run.sh"]
    env:
      - name: GH_REPOSITORY
        value: ${REPO}
      - name: CI_STORAGE_HOST
        value: storage@${storage.name}:22
      - name: CI_STORAGE_PRIVATE_KEY
        value: ${JSON.stringify(storage.privateKey)}${KUBERNETES_ENV}
    volumeMounts:
      - name: work
        mountPath: /home/runner/_work
volumes:${WORK_CLAIM}
`,
    { fake, name: "arc-k8s", network },
  );
  const job = await jobDone(fake, queueJob(fake, { run: `${JOB}\ncat marker.txt` }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded: the hook script exists");
  t.match(job.log, "hooks=ci-runner e2e stand-in container hooks: k8s", "the k8s flavour");
  t.match(job.log, `user=guest uid=1001 groups=1001,123 pwd=${CHECKOUT} pod=arc-k8s`);
  t.match(job.log, /^from the slot$/m, "the warm start loaded the slot into the job's checkout dir");
  t.equal(await pod.wait("runner"), 0, "exit 0 after the job");
  t.equal(await pod.inVolume("work", "cat /v/hello/hello/from-job.txt /v/hello/hello/marker.txt"), "from the job\nfrom the slot\n", "both on the claim");
  t.notMatch(await pod.logs("runner"), /PRIVATE KEY/, "the key never reaches the logs");
});

t.test("kubernetes-novolume: hooks at /home/runner/k8s-novolume; the image serves as ACTIONS_RUNNER_IMAGE", async (t) => {
  const { fake } = await startGatewayFake(t);
  const { pod } = await runArcPod(
    t,
    `
restartPolicy: Never
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run.sh"]
    env:
      - name: ACTIONS_RUNNER_CONTAINER_HOOKS
        value: /home/runner/k8s-novolume/index.js
      - name: ACTIONS_RUNNER_POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER
        value: "true"
      - name: ACTIONS_RUNNER_IMAGE
        value: "${IMAGE}"
    volumeMounts: []
volumes: []
`,
    { fake, name: "arc-novolume" },
  );
  const job = await jobDone(fake, queueJob(fake, { run: JOB }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded: the hook script exists");
  t.match(job.log, "hooks=ci-runner e2e stand-in container hooks: k8s-novolume", "the k8s-novolume flavour");
  t.match(job.log, `user=guest uid=1001 groups=1001,123 pwd=${CHECKOUT} pod=arc-novolume`);
  t.equal(await pod.wait("runner"), 0, "exit 0 after the job");
  t.equal(await pod.readFile("runner", `${CHECKOUT}/from-job.txt`), "from the job\n", "the job's files in the runner container's own _work");

  // The job pod the 0.8 hooks create: its fs-init container runs ACTIONS_RUNNER_IMAGE
  // as 1001:1001 and moves /home/runner/externals into a volume the job container mounts at /__e.
  const jobPod = await runPod(
    t,
    `
restartPolicy: Never
securityContext:
  fsGroup: 1001
initContainers:
  - name: fs-init
    image: ${IMAGE}
    command: ["sh", "-c", "mkdir -p /mnt/externals && mkdir -p /mnt/work && mkdir -p /mnt/github && mv /home/runner/externals/* /mnt/externals/ && mkdir -p /mnt/work/hello/hello"]
    securityContext:
      runAsUser: 1001
      runAsGroup: 1001
    volumeMounts:
      - { name: externals, mountPath: /mnt/externals }
      - { name: work, mountPath: /mnt/work }
      - { name: github, mountPath: /mnt/github }
containers:
  - name: job
    image: ${IMAGE}
    command: ["/__e/node20/bin/node", "-e", "console.log('externals run', process.version)"]
    volumeMounts:
      - { name: externals, mountPath: /__e }
volumes:
  - { name: externals, emptyDir: {} }
  - { name: work, emptyDir: {} }
  - { name: github, emptyDir: {} }
`,
    { name: "arc-novolume-workflow" },
  );
  t.equal(jobPod.initExitCodes["fs-init"], 0, "the hooks' fs-init succeeds with this image");
  t.equal(await jobPod.wait("job"), 0);
  t.match(await jobPod.logs("job"), /^externals run v\d+/, "the externals it moved work in the job's container");
});

t.test("a non-root pod (runAsUser 1001, runAsNonRoot, fsGroup 123) runs the job; what needs root says so in one line", async (t) => {
  const { fake } = await startGatewayFake(t);
  const { pod } = await runArcPod(
    t,
    `
restartPolicy: Never
securityContext:
  runAsUser: 1001
  runAsNonRoot: true
  fsGroup: 123
containers:
  - name: runner
    image: ${IMAGE}
    command: ["/home/runner/run.sh"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
    env:${KUBERNETES_ENV}
    volumeMounts:
      - name: work
        mountPath: /home/runner/_work
volumes:${WORK_CLAIM}
`,
    { fake, name: "arc-nonroot" },
  );
  // The same uid as the supervisor, as a liveness probe in this pod: `ci-runner health` reads the state file.
  const job = await jobDone(fake, queueJob(fake, { run: `${JOB}\necho pid1=$(stat -c %u /proc/1)\necho health=$(/usr/local/bin/ci-runner health)` }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, `user=guest uid=1001 groups=1001,123 pwd=${CHECKOUT} pod=arc-nonroot`, "as 1001 with fsGroup 123, on the claim");
  t.match(job.log, "pid1=1001", "the supervisor itself runs as 1001");
  t.match(job.log, /health=healthy: busy: runner arc-nonroot/, "its state file is writable: the probe works");
  t.equal(await pod.wait("runner"), 0, "exit 0 after the job");
  t.equal(await pod.inVolume("work", "cat /v/hello/hello/from-job.txt; stat -c '%u:%g' /v/hello/hello/from-job.txt"), "from the job\n1001:123\n", "on the claim, group fsGroup");
  const logs = await pod.logs("runner");
  const warnings = logs.split("\n").filter((l) => / (warning|error):/.test(l));
  t.same(warnings.map((l) => l.replace(/^.*? (warning|error): /, "")), ["root hooks: cannot read /root (EACCES, running as uid 1001, not root); its hooks are skipped"], "one line: the root hooks");
});
