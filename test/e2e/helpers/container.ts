import { docker, E2E_LABEL } from "./docker.ts";

/** Options of one `docker run -d` of a runner image. */
export interface ContainerSpec {
  readonly image: string;
  readonly env: Record<string, string>;
  /** More `docker run` options (e.g. --privileged, --entrypoint X). */
  readonly args?: readonly string[];
  readonly command?: readonly string[];
}

/**
 * Starts a container the way compose.yml would (tmpfs /mnt with exec, the
 * host reachable as host.docker.internal) and removes it, with its
 * volumes, at the end of the test. Returns its id.
 */
export async function runContainer(t: { teardown(fn: () => unknown): void }, spec: ContainerSpec): Promise<string> {
  const envArgs = Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const { stdout } = await docker([
    "run", "-d", "--label", E2E_LABEL,
    "--add-host", "host.docker.internal:host-gateway",
    "--tmpfs", "/mnt:exec",
    ...envArgs, ...(spec.args ?? []), spec.image, ...(spec.command ?? []),
  ]);
  const id = stdout.trim();
  t.teardown(() => docker(["rm", "-f", "-v", id], { check: false }));
  return id;
}

/** Everything the container printed so far (stdout and stderr). */
export async function containerLogs(id: string): Promise<string> {
  const r = await docker(["logs", id], { check: false });
  return r.stdout + r.stderr;
}
