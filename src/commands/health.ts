import { readFileSync } from "node:fs";
import type { State } from "../lifecycle/state-store.ts";

/** States in which the container is doing its job: a draining runner still finishes its job. */
const HEALTHY = new Set(["idle", "busy", "draining", "serving"]);

/**
 * `ci-runner health` (Docker HEALTHCHECK, Kubernetes probe): exit 0 when the
 * runner is registered and listening or running a job, or the controller
 * answers webhooks, else 1, with one line.
 */
export function health(stateFile: string, out: (line: string) => void): number {
  let state: State;
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  } catch (e) {
    out(`unhealthy: cannot read ${stateFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return 1;
  }
  try {
    process.kill(state.pid, 0);
  } catch {
    out(`unhealthy: the supervisor (pid ${state.pid}) is not running`);
    return 1;
  }
  if (state.state === "serving") {
    out("healthy: the controller answers webhooks");
    return 0;
  }
  const job = state.currentJob ? `, job ${state.currentJob}` : "";
  const line = `${state.state}: runner ${state.runnerName ?? "?"} (id ${state.runnerId ?? "?"})${job}, ${state.jobsCompleted} job(s) done`;
  out(HEALTHY.has(state.state) ? `healthy: ${line}` : `unhealthy: ${line}`);
  return HEALTHY.has(state.state) ? 0 : 1;
}
