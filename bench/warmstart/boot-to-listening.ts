import { loadConfig } from "../../src/config/load-config.ts";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import { createPrepareDirsPhase } from "../../src/lifecycle/prepare-dirs-phase.ts";
import { runSupervisor } from "../../src/lifecycle/run-supervisor.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { createRunnerPhase } from "../../src/runner/runner-phase.ts";
import { createWarmStartPhase, type WarmStartOptions } from "../../src/warmstart/warm-start-phase.ts";

/**
 * Seconds from the supervisor's start to the runner's "Listening for Jobs",
 * with the phases that matter here (dirs, warm start, runner), run in this
 * process against the fake GitHub and fake runner; then a SIGTERM drains it.
 */
export async function bootToListening(
  env: Record<string, string>,
  runnerUser: UserInfo,
  warmStart: WarmStartOptions,
): Promise<{ seconds: number; lines: string[] }> {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const config = loadConfig(env, () => runnerUser);
    const t0 = performance.now();
    const done = runSupervisor(config, [createPrepareDirsPhase(), createWarmStartPhase(warmStart), createRunnerPhase()], createLogger("ci-runner"));
    let listening: number | undefined;
    while (listening === undefined) {
      if (lines.some((l) => /Listening for Jobs/.test(l))) listening = performance.now();
      else if (lines.some((l) => /exiting with code/.test(l))) throw new Error(`supervisor stopped:\n${lines.join("\n")}`);
      else await new Promise((r) => setTimeout(r, 20));
    }
    process.emit("SIGTERM", "SIGTERM");
    await done;
    return { seconds: (listening - t0) / 1000, lines };
  } finally {
    restore();
  }
}
