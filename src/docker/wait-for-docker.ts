import type { UserInfo } from "../config/lookup-user.ts";
import { findExecutable } from "../fs/find-executable.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";
import { runProcess } from "../process/start-process.ts";

/** How the wait ended: the engine answered, the CLI is missing, the time ran out, or a stop came. */
export type DockerWait =
  | { readonly kind: "ready"; readonly afterMs: number }
  | { readonly kind: "no-cli" }
  | { readonly kind: "timeout"; readonly lastError: string }
  | { readonly kind: "stopped" };

const RETRY_MS = 1000;

/**
 * Waits until `docker ps`, run as `user` with `env` (DOCKER_HOST and all),
 * succeeds: what the runner's own RUNNER_WAIT_FOR_DOCKER_IN_SECONDS loop
 * checks, so that the engine answers the user the jobs run as, through
 * the socket they will use (a dind sidecar's, shared over /var/run).
 */
export async function waitForDocker(user: UserInfo, env: Record<string, string>, seconds: number, stopping: AbortSignal): Promise<DockerWait> {
  const docker = findExecutable("docker", env.PATH);
  if (docker === undefined) return { kind: "no-cli" };
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let lastError = "";
  while (!stopping.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: "timeout", lastError };
    const run = await runProcess(docker, ["ps", "--quiet"], { user, env, cancelSignal: AbortSignal.any([stopping, AbortSignal.timeout(left)]) });
    if (run.code === 0) return { kind: "ready", afterMs: Date.now() - started };
    lastError = run.canceled ? "docker ps did not answer" : (run.stderr.trim().split("\n").at(-1) ?? `exit code ${run.code}`);
    await abortableSleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), stopping);
  }
  return { kind: "stopped" };
}
