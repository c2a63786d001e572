import { findExecutable } from "../fs/find-executable.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { runProcess } from "../process/start-process.ts";

/** Where the docker CLI goes without DOCKER_HOST, for the log lines. */
const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

const RETRY_MS = 1000;

/**
 * Waits until `docker ps` succeeds as the runner user with its environment (DOCKER_HOST and all), as the runner's
 * own loop checks: the engine must answer the user jobs run as, through the socket they will use (a dind sidecar's).
 */
async function waitForDocker(ctx: Context, seconds: number, stopping: AbortSignal): Promise<void> {
  const { log } = ctx;
  const user = ctx.config.runnerUser;
  const env = childEnv(user, ctx.exportedEnv);
  const host = env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = findExecutable("docker", env.PATH);
  if (docker === undefined) {
    log.warn(`RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: this image has no docker CLI on PATH; starting the runner without waiting`);
    return;
  }
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let lastError = "";
  while (!stopping.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) {
      log.warn(`RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: no Docker engine answered ${user.name} at ${host} within ${seconds} s (${lastError || "no answer"}); starting the runner without it`);
      return;
    }
    const run = await runProcess(docker, ["ps", "--quiet"], { user, env, cancelSignal: AbortSignal.any([stopping, AbortSignal.timeout(left)]) });
    if (run.code === 0) {
      log.info(`docker: the engine at ${host} answers ${user.name} (after ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    lastError = run.canceled ? "docker ps did not answer" : (run.stderr.trim().split("\n").at(-1) ?? `exit code ${run.code}`);
    await abortableSleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), stopping);
  }
}

/**
 * RUNNER_WAIT_FOR_DOCKER_IN_SECONDS (actions-runner-controller's dind mode sets it): the wait runs in the
 * background, beside the warm start and the registration, with the environment the hooks exported (their
 * DOCKER_HOST); the runner phase passes the variable as 0 to run.sh.
 */
export function createDockerWaitPhase(): Phase {
  const stop = new AbortController();
  let waiting: Promise<void> | undefined;
  return {
    name: "docker-wait",
    async start(ctx) {
      const seconds = ctx.config.RUNNER_WAIT_FOR_DOCKER_IN_SECONDS;
      if (!seconds) return;
      waiting = waitForDocker(ctx, seconds, AbortSignal.any([ctx.stopping, stop.signal]));
      ctx.background.set("docker-wait", waiting);
    },
    async stop() {
      stop.abort();
      await waiting;
    },
  };
}
