import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { waitForDocker, type DockerWait } from "./wait-for-docker.ts";

/** Where the docker CLI goes without DOCKER_HOST, for the log lines. */
const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * RUNNER_WAIT_FOR_DOCKER_IN_SECONDS (set by actions-runner-controller's dind
 * mode): waits in the background, beside the warm start and the
 * registration, until the Docker engine answers the runner user with the
 * environment the hooks exported (their DOCKER_HOST); the runner starts
 * after that, or when the wait ends with one line. The runner phase then
 * passes the variable as 0, so that run.sh does not wait a second time.
 */
export function createDockerWaitPhase(): Phase {
  const stop = new AbortController();
  let waiting: Promise<void> | undefined;
  return {
    name: "docker-wait",
    async start(ctx: Context) {
      const seconds = ctx.config.RUNNER_WAIT_FOR_DOCKER_IN_SECONDS;
      if (!seconds) return;
      const user = ctx.config.runnerUser;
      const env = childEnv(user, ctx.exportedEnv);
      const host = env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
      waiting = waitForDocker(user, env, seconds, AbortSignal.any([ctx.stopping, stop.signal])).then((r) => report(ctx, r, host, seconds));
      ctx.background.set("docker-wait", waiting);
    },
    async stop() {
      stop.abort();
      await waiting;
    },
  };
}

function report(ctx: Context, r: DockerWait, host: string, seconds: number): void {
  const who = ctx.config.runnerUser.name;
  if (r.kind === "ready") ctx.log.info(`docker: the engine at ${host} answers ${who} (after ${(r.afterMs / 1000).toFixed(1)} s)`);
  else if (r.kind === "no-cli") ctx.log.warn(`RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: this image has no docker CLI on PATH; starting the runner without waiting`);
  else if (r.kind === "timeout") {
    ctx.log.warn(`RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: no Docker engine answered ${who} at ${host} within ${seconds} s (${r.lastError || "no answer"}); starting the runner without it`);
  }
}
