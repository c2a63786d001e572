import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker } from "../../test/e2e/helpers/docker.ts";
import { MINIMAL_TAG } from "./minimal-image.ts";

/**
 * The floor for any Node PID 1: the minimal image's three steps (token, config.sh, run.sh) in a Node script of a
 * dozen lines, run by the Node of the image under test. Against the bash baseline it shows what Node's own start
 * costs; against ours, what the supervisor adds on top (its config, hooks, phases, Octokit).
 */
export const MINIMAL_NODE_TAG = "ci-runner-bench/minimal-node:1";

const ENTRYPOINT = `// The smallest Node entrypoint doing the minimal image's steps: token, config.sh, run.sh.
const http = require("node:http");
const { spawn } = require("node:child_process");
const env = process.env;
const url = new URL(\`\${env.GH_URL}/api/v3/repos/\${env.GH_REPOSITORY}/actions/runners/registration-token\`);
http.request(url, { method: "POST", headers: { authorization: \`Bearer \${env.GH_TOKEN}\` } }, (res) => {
  let body = "";
  res.setEncoding("utf8").on("data", (chunk) => (body += chunk)).on("end", () => {
    const dir = \`\${env.HOME}/actions-runner\`;
    const args = ["--unattended", "--replace", "--url", \`\${env.GH_URL}/\${env.GH_REPOSITORY}\`, "--token", JSON.parse(body).token,
      "--name", \`minimal-node-\${require("node:os").hostname()}\`, "--labels", env.GH_LABELS, "--work", "/tmp/work"];
    spawn(\`\${dir}/config.sh\`, args, { cwd: dir, stdio: "inherit" }).on("exit", () => spawn(\`\${dir}/run.sh\`, [], { cwd: dir, stdio: "inherit" }));
  });
}).end();
`;

/** Builds MINIMAL_NODE_TAG on MINIMAL_TAG (built first) with `image`'s Node (layers cached across runs). */
export async function buildMinimalNodeImage(image: string): Promise<string> {
  const ctx = mkdtempSync(join(tmpdir(), "ci-runner-bench-minimal-node-"));
  try {
    const dockerfile = `FROM ${MINIMAL_TAG}
COPY --from=${image} /opt/ci-runner/node /usr/local/bin/node
COPY entrypoint.cjs /entrypoint.cjs
ENTRYPOINT ["/usr/local/bin/node", "/entrypoint.cjs"]
`;
    writeFileSync(join(ctx, "Dockerfile"), dockerfile);
    writeFileSync(join(ctx, "entrypoint.cjs"), ENTRYPOINT);
    await docker(["build", "--network", "host", "-q", "-t", MINIMAL_NODE_TAG, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return MINIMAL_NODE_TAG;
}
