import { createOctokit } from "../github/create-octokit.ts";
import { RunnerApi } from "../github/runner-api.ts";
import type { Context, Phase, StopReason } from "../lifecycle/phase.ts";
import { clearStaleConfig } from "./clear-stale-config.ts";
import { configureRunner } from "./configure-runner.ts";
import { deregister } from "./deregister.ts";
import { drainRunner } from "./drain-runner.ts";
import { readRunnerSettings } from "./read-runner-settings.ts";
import { runnerName } from "./runner-name.ts";
import { RunnerProcess } from "./runner-process.ts";

/**
 * Registers the runner (fresh registration token, config.sh), waits for the
 * background work the runner needs (warm start), then runs run.sh. Its stop
 * is the graceful drain; whatever happened, no registration is left behind.
 */
export function createRunnerPhase(): Phase {
  let api: RunnerApi | undefined;
  let name = "";
  let id: number | undefined;
  let configStarted = false;
  let runner: RunnerProcess | undefined;

  return {
    name: "runner",
    async start(ctx) {
      const { config, log } = ctx;
      const rlog = log.child("runner");
      api = new RunnerApi(createOctokit({ apiUrl: config.apiUrl, token: config.GH_TOKEN }), `repos/${config.GH_REPOSITORY}`, {
        log,
        credentialVar: "GH_TOKEN",
        signal: ctx.stopping,
      });
      name = runnerName(config.RUNNER_NAME, config.RUNNER_NAME_PREFIX);
      ctx.state.update({ state: "registering", runnerName: name });
      const token = await api.registrationToken(ctx.stopping);
      const stale = clearStaleConfig(config.runnerDir);
      if (stale.length) log.info(`removed stale ${stale.join(", ")} from ${config.runnerDir} (left by an earlier start)`);
      log.info(`registering runner ${name} for ${config.runnerUrl} with labels ${config.GH_LABELS.join(",")}`);
      configStarted = true;
      await configureRunner(config, rlog, { name, token, exported: ctx.exportedEnv, stopping: ctx.stopping });
      id = readRunnerSettings(config.runnerDir)?.agentId;
      ctx.state.update({ runnerId: id });

      if (ctx.background.size > 0) {
        log.info(`waiting for ${[...ctx.background.keys()].join(", ")} before starting the runner`);
        await Promise.all(ctx.background.values());
      }
      if (ctx.stopping.aborted) return;
      runner = new RunnerProcess(config, ctx.exportedEnv, [], rlog, ctx.state);
      runner.on("event", (ev) => {
        // After our own DELETE the runner says its registration is gone: expected while stopping.
        if (ev.kind === "fatal" && !ctx.stopping.aborted) {
          log.error(`runner health: "${ev.message}": the registration is unusable; replacing this runner`);
          ctx.requestStop({ kind: "failure", code: 1, message: ev.message });
        }
      });
      void runner.proc.exited.then(({ code }) => {
        if (!ctx.stopping.aborted) log.error(`the runner exited by itself with code ${code}`);
        ctx.requestStop({ kind: "runner-exit", code });
      });
    },

    async stop(ctx, reason: StopReason) {
      if (!api || !configStarted) return;
      const log = ctx.log;
      ctx.state.update({ state: "draining" });
      const target = { name, id: id ?? readRunnerSettings(ctx.config.runnerDir)?.agentId };
      if (runner && reason.kind === "signal") {
        await drainRunner({ api, target, runner, log, escalated: ctx.escalated, debugDelaySec: ctx.config.DEBUG_SHUTDOWN_DELAY_SEC });
        return;
      }
      if (runner?.proc.running) await runner.proc.terminate("SIGINT", 30_000);
      runner?.proc.signalGroup("SIGKILL");
      await deregister(api, target, log, AbortSignal.timeout(120_000));
    },
  };
}
