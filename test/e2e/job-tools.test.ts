// What a job written for GitHub-hosted runners expects in the image: the
// docker buildx and compose plugins, git-lfs, and the tool cache of the
// setup-* actions, writable by guest and on compose.yml's volume so that
// their downloads outlive the container.
import t from "tap";
import { ComposeProject } from "./helpers/compose-project.ts";
import { BASE_IMAGE, docker } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

const TOOL_CACHE = "/opt/hostedtoolcache";

t.test("a job finds docker buildx, docker compose, git lfs and the tool cache", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "jobtools", runnerEnv(url));
  await project.compose(["up", "-d", "ci-runner"]);
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);

  const job = await jobDone(fake, queueJob(fake, {
    run: [
      "set -e",
      "docker buildx version",
      "docker compose version",
      "git lfs version",
      'echo "user=$(whoami) ImageOS=$ImageOS RUNNER_TOOL_CACHE=$RUNNER_TOOL_CACHE AGENT_TOOLSDIRECTORY=$AGENT_TOOLSDIRECTORY"',
      'mkdir -p "$RUNNER_TOOL_CACHE/node/20.0.0/x64" && touch "$RUNNER_TOOL_CACHE/node/20.0.0/x64.complete"',
    ].join("\n"),
  }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /github\.com\/docker\/buildx v\d/, "docker buildx version answers");
  t.match(job.log, /Docker Compose version v\d/, "docker compose version answers");
  t.match(job.log, /git-lfs\/\d/, "git lfs version answers");
  t.match(job.log, new RegExp(`user=guest ImageOS=ubuntu\\d\\d RUNNER_TOOL_CACHE=${TOOL_CACHE} AGENT_TOOLSDIRECTORY=${TOOL_CACHE}\\b`),
    "the job, as guest, sees ImageOS and both tool cache variables");

  // What the job cached is in the container's volume, not its writable layer.
  const [id] = await project.containers("ci-runner");
  const { stdout: volume } = await docker(["inspect", "-f", `{{range .Mounts}}{{if eq .Destination "${TOOL_CACHE}"}}{{.Name}}{{end}}{{end}}`, id!]);
  t.not(volume.trim(), "", `compose.yml mounts a volume on ${TOOL_CACHE}`);
  const { stdout: listing } = await docker(["run", "--rm", "--network", "none", "-v", `${volume.trim()}:/v:ro`, BASE_IMAGE, "ls", "/v/node/20.0.0"]);
  t.match(listing, /x64/, "the job's download is on the volume");
});
