// compose.autoscale.yml as users run it: `up -d` is the whole start; `down`
// while a job runs lets it finish in its container, and leaves no
// container and no registration. With a REPOS_CONFIG_FILE of two entries,
// each serves its own repository's job.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { LABEL_CONTROLLER } from "../../src/controller/container-engine.ts";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { ComposeProject } from "./helpers/compose-project.ts";
import { WEBHOOK_SECRET } from "./helpers/controller-process.ts";
import { docker, EPHEMERAL_IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, LABEL, REPO } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const AUTOSCALE_FILE = fileURLToPath(new URL("../../compose.autoscale.yml", import.meta.url));

t.test("compose.autoscale.yml: up serves a job; down during a job lets it finish; nothing left", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const secrets = mkdtempSync(join(tmpdir(), "ci-runner-e2e-autoscale-"));
  t.teardown(() => rmSync(secrets, { recursive: true, force: true }));
  const secretFile = join(secrets, "WEBHOOK_SECRET");
  writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`, { mode: 0o600 });
  const controllerId = `cie2e${process.pid}c`;
  const project = ComposeProject.create(
    t,
    "autoscale",
    {
      GH_URL: url,
      GH_REPOSITORY: REPO,
      GH_LABELS: LABEL,
      RUNNER_IMAGE: EPHEMERAL_IMAGE,
      CONTROLLER_ID: controllerId,
      RUNNER_IDLE_GRACE_SEC: "2",
      // A free port of the loopback only.
      WEBHOOK_PUBLISH: "127.0.0.1::8080",
      WEBHOOK_SECRET_FILE: secretFile,
    },
    AUTOSCALE_FILE,
  );
  t.teardown(async () => {
    const { stdout } = await docker(["ps", "-aq", "--filter", `label=${LABEL_CONTROLLER}=${controllerId}`], { check: false });
    const ids = stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], { check: false });
  });
  // ComposeProject gives compose the GH_TOKEN secret file (GH_TOKEN_FILE).
  await project.compose(["up", "-d"]);
  const { stdout } = await project.compose(["port", "controller", "8080"]);
  const base = `http://${stdout.trim()}`;
  await waitUntil("the controller healthy", async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200);
  const hook = await fake.addWebhook({ url: `${base}/webhook`, secret: WEBHOOK_SECRET });
  t.equal(hook.deliveries()[0]?.status, 200, "GitHub's ping answered");

  const quick = await jobDone(fake, fake.queueJob({ labels: [LABEL], name: "quick", run: "echo quick" }));
  t.equal(quick.conclusion, "Succeeded", "a job served through compose's controller");

  const long = fake.queueJob({ labels: [LABEL], name: "long", run: "echo started; sleep 6; echo finished" });
  await waitUntil("the long job running", () => fake.job(long)?.status === "in_progress");
  await project.compose(["down"]);
  const done = await jobDone(fake, long);
  t.equal(done.conclusion, "Succeeded", "the job finished after down");
  t.match(done.log, /started\s+finished/);
  await waitUntil("no runner container left", async () => {
    const { stdout: left } = await docker(["ps", "-aq", "--filter", `label=${LABEL_CONTROLLER}=${controllerId}`]);
    return left.trim() === "";
  });
  await waitUntil("no registration left", () => fake.runners().length === 0);
  t.same(fake.runners(), [], "zero registrations");
});

t.test("compose.autoscale.yml with a REPOS_CONFIG_FILE of two entries: a job for each, on its own runner; nothing left", async (t) => {
  // GitHub's rule: a repository's runner takes only that repository's jobs.
  const { fake, url } = await startGatewayFake(t, { jobsByScope: true });
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-e2e-repos-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entries = ["alpha", "beta"];
  writeFileSync(join(dir, "token"), `${FAKE_PAT}\n`, { mode: 0o600 });
  for (const id of entries) writeFileSync(join(dir, `${id}.secret`), `secret-of-${id}\n`, { mode: 0o600 });
  const repositories = entries.map((id) => ({ id, github_url: `${url}/octo/${id}`, github_token_file: "token", webhook_secret_file: `${id}.secret`, runner_labels: LABEL, max_runners: 1 }));
  writeFileSync(join(dir, "repos.json"), JSON.stringify({ repositories, defaults: { runner_image: EPHEMERAL_IMAGE } }, null, 2));
  const controllerId = `cie2e${process.pid}m`;
  const project = ComposeProject.create(
    t,
    "autoscalemany",
    {
      REPOS_CONFIG_DIR: dir,
      REPOS_CONFIG_FILE: "/etc/ci-runner/repos/repos.json",
      CONTROLLER_ID: controllerId,
      RUNNER_IDLE_GRACE_SEC: "2",
      WEBHOOK_PUBLISH: "127.0.0.1::8080",
      // Each entry has its own secret file: no shared one.
      WEBHOOK_SECRET_FILE: "/dev/null",
    },
    AUTOSCALE_FILE,
  );
  const census = async (): Promise<string[]> => (await docker(["ps", "-aq", "--filter", `label=${LABEL_CONTROLLER}=${controllerId}`], { check: false })).stdout.split("\n").filter(Boolean);
  t.teardown(async () => {
    const ids = await census();
    if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], { check: false });
  });
  await project.compose(["up", "-d"]);
  const { stdout } = await project.compose(["port", "controller", "8080"]);
  const base = `http://${stdout.trim()}`;
  await waitUntil("the controller healthy", async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200);
  for (const id of entries) {
    const hook = await fake.addWebhook({ url: `${base}/webhook/${id}`, secret: `secret-of-${id}`, scope: `repos/octo/${id}` });
    t.equal(hook.deliveries()[0]?.status, 200, `${id}: GitHub's ping answered at /webhook/${id}`);
  }
  const jobs = entries.map((id) => fake.queueJob({ labels: [LABEL], repository: `octo/${id}`, name: id, run: `echo served ${id}` }));
  for (const [i, id] of entries.entries()) {
    const done = await jobDone(fake, jobs[i] as number);
    t.equal(done.conclusion, "Succeeded", `${id}'s job served`);
    t.match(done.log, `served ${id}`);
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (const id of entries) t.match(metrics, new RegExp(`^ci_runner_controller_runners_started_total\\{entry="${id}"\\} [1-9]`, "m"), `${id}: its runners counted under its id`);
  const health = (await (await fetch(`${base}/health`)).json()) as { entries: Record<string, { scope: string }> };
  t.same(Object.keys(health.entries).sort(), entries, "/health lists both entries");
  await project.compose(["down"]);
  await waitUntil("no runner container left", async () => (await census()).length === 0);
  await waitUntil("no registration left", () => fake.runners().length === 0);
  t.same(fake.runners(), [], "zero registrations");
});
