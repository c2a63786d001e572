import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BASE_IMAGE, docker } from "../../test/e2e/helpers/docker.ts";

/** The baseline: the same base and runner, a bash entrypoint that only gets a token, configures and runs. */
export const MINIMAL_TAG = "ci-runner-bench/minimal:1";

const ENTRYPOINT = `#!/bin/bash
# The smallest useful runner entrypoint: token, config.sh, run.sh.
set -euo pipefail
token=$(curl -fsS -X POST -H "Authorization: Bearer $GH_TOKEN" \\
  "$GH_URL/api/v3/repos/$GH_REPOSITORY/actions/runners/registration-token" | sed -n 's/.*"token" *: *"\\([^"]*\\)".*/\\1/p')
cd ~/actions-runner
./config.sh --unattended --replace --url "$GH_URL/$GH_REPOSITORY" --token "$token" \\
  --name "minimal-$HOSTNAME" --labels "$GH_LABELS" --work /tmp/work
exec ./run.sh
`;

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && useradd -m -u 1001 -s /bin/bash guest
COPY runner.tar.gz /tmp/runner.tar.gz
RUN mkdir /home/guest/actions-runner && tar -xzf /tmp/runner.tar.gz -C /home/guest/actions-runner \\
 && rm /tmp/runner.tar.gz && chown -R guest:guest /home/guest/actions-runner
COPY entrypoint.sh /entrypoint.sh
USER guest
ENTRYPOINT ["/entrypoint.sh"]
`;

/** Builds MINIMAL_TAG from `runnerTarball` (layers cached across runs). */
export async function buildMinimalImage(runnerTarball: string): Promise<string> {
  const ctx = mkdtempSync(join(tmpdir(), "ci-runner-bench-minimal-"));
  try {
    writeFileSync(join(ctx, "Dockerfile"), DOCKERFILE);
    writeFileSync(join(ctx, "entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    copyFileSync(runnerTarball, join(ctx, "runner.tar.gz"));
    await docker(["build", "--network", "host", "-q", "-t", MINIMAL_TAG, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return MINIMAL_TAG;
}
