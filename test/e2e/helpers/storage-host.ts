import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BASE_IMAGE, docker, E2E_LABEL } from "./docker.ts";

const TAG = "ci-runner-e2e/storage-host:1";

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client rsync >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd && ssh-keygen -A && useradd -m -s /bin/bash storage
CMD mkdir -p /home/storage/.ssh && printf '%s\\n' "$AUTHORIZED_KEY" > /home/storage/.ssh/authorized_keys \\
 && chown -R storage:storage /home/storage/.ssh && chmod 700 /home/storage/.ssh && exec /usr/sbin/sshd -D -e
`;

/** A ci-storage host: sshd + rsync, user `storage`, reachable as `<name>:22` on `network`. */
export interface StorageHost {
  readonly name: string;
  /** Private key (OpenSSH format) that the host accepts for `storage`. */
  readonly privateKey: string;
  /** Runs a shell command on the host as root. */
  sh(script: string): Promise<string>;
}

/**
 * Builds (once; the tag is cached) and starts a storage host container on
 * `network`, with a fresh key pair. Removed at the end of the test.
 */
export async function startStorageHost(t: { teardown(fn: () => unknown): void }, network: string): Promise<StorageHost> {
  const ctx = mkdtempSync(join(tmpdir(), "ci-runner-e2e-storage-"));
  try {
    writeFileSync(join(ctx, "Dockerfile"), DOCKERFILE);
    await docker(["build", "--network", "host", "-q", "-t", TAG, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  const keygen = await docker(["run", "--rm", "--network", "none", TAG, "sh", "-c", "ssh-keygen -q -t ed25519 -N '' -f /tmp/k && cat /tmp/k.pub /tmp/k"]);
  const [publicKey, ...rest] = keygen.stdout.split("\n");
  const privateKey = `${rest.join("\n").trim()}\n`;
  const name = `cie2e-storage-${process.pid}`;
  await docker(["run", "-d", "--label", E2E_LABEL, "--name", name, "--network", network, "-e", `AUTHORIZED_KEY=${publicKey}`, TAG]);
  t.teardown(() => docker(["rm", "-f", "-v", name], { check: false }));
  return {
    name,
    privateKey,
    sh: async (script) => (await docker(["exec", name, "bash", "-c", script])).stdout,
  };
}

/** A Docker network for the test's containers, removed at the end of the test (after them). */
export async function createNetwork(t: { teardown(fn: () => unknown): void }, label: string): Promise<string> {
  const name = `cie2e-${label}-${process.pid}`;
  await docker(["network", "create", "--label", E2E_LABEL, name]);
  t.teardown(() => docker(["network", "rm", name], { check: false }));
  return name;
}
