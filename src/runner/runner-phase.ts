import { EXIT_CONFIG } from "../config/config-error.ts";
import { existsSync } from "node:fs";
import type { RunnerApi } from "../github/runner-api.ts";
import { awaitBackground } from "../lifecycle/await-background.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Context, Phase, StopReason } from "../lifecycle/phase.ts";
import { clearStaleConfig } from "./clear-stale-config.ts";
import { configureRunner } from "./configure-runner.ts";
import { deregister } from "./deregister.ts";
import { drainRunner } from "./drain-runner.ts";
import { registerJit } from "./register-jit.ts";
import { readRunnerSettings } from "./read-runner-settings.ts";
import { apiRegistration, configShRegistration, type Registration } from "./registration.ts";
import { runnerName } from "./runner-name.ts";
import { RunnerProcess } from "./runner-process.ts";
import { watchRunnerHealth } from "./watch-runner-health.ts";
import type { ListenerEvent } from "./parse-listener-line.ts";

/** What the runner's output tells: to the later phases (ctx.runner) and to the state file. */
function report(ctx: Context, ev: ListenerEvent): void {
  const { state } = ctx;
  if (ev.kind === "job-started") {
    state.update({ state: "busy", currentJob: ev.job });
  } else if (ev.kind === "job-completed") {
    state.update({ state: "idle", currentJob: undefined, jobsCompleted: state.get().jobsCompleted + 1 });
  } else if (ev.kind === "listening") {
    if (ctx.runner.listeningSince === undefined) {
      ctx.runner.listeningSince = new Date();
      state.update({ listeningSince: ctx.runner.listeningSince.toISOString() });
    }
    if (state.get().state !== "draining") state.update({ state: "idle" });
  }
}

/**
 * Registers the runner (config.sh with a fresh registration token, or a JIT
 * config), waits for the background work the runner needs (warm start, git
 * credentials), then runs run.sh. Its stop is the graceful drain; whatever
 * happened, no registration of ours is left behind.
 */
export function createRunnerPhase(): Phase {
  let registration: Registration | undefined;
  let runner: RunnerProcess | undefined;
  let stopWatch: (() => void) | undefined;

  return {
    name: "runner",
    async start(ctx) {
      const { config, log } = ctx;
      const rlog = log.child("runner");
      const credentials = config.credentials;
      if (!credentials) throw new Error("the runner phase needs credentials");
      // Before any GitHub call: a wrong RUNNER_DIR must not leave a registration behind.
      for (const file of credentials.kind === "jit" || config.RUNNER_JIT ? ["run.sh"] : ["config.sh", "run.sh"]) {
        if (!existsSync(`${config.runnerDir}/${file}`)) {
          throw new BootError(`RUNNER_DIR: no ${config.runnerDir}/${file}: the runner is not installed there`, EXIT_CONFIG);
        }
      }
      let name = runnerName(config.RUNNER_NAME, config.RUNNER_NAME_PREFIX, config.oneJob);
      ctx.runner.name = name;
      ctx.state.update({ state: "registering", runnerName: name });
      const runEnv: Record<string, string> = {};
      const stale = clearStaleConfig(config.runnerDir);
      if (stale.length) log.info(`removed stale ${stale.join(", ")} from ${config.runnerDir} (left by an earlier start)`);

      if (credentials.kind === "jit") {
        log.info("pre-issued JIT config (ACTIONS_RUNNER_INPUT_JITCONFIG): nothing to register; GitHub removes the runner after its job");
        runEnv.ACTIONS_RUNNER_INPUT_JITCONFIG = credentials.jitConfig;
      } else if (config.RUNNER_JIT) {
        const api = await ctx.github();
        const jit = await registerJit(api, config, name, log, ctx.stopping);
        name = jit.name;
        ctx.runner.name = name;
        registration = apiRegistration(api, name, () => jit.id);
        ctx.state.update({ runnerName: name, runnerId: jit.id });
        runEnv.ACTIONS_RUNNER_INPUT_JITCONFIG = jit.encodedJitConfig;
      } else {
        let api: RunnerApi | undefined;
        let token: string;
        if (credentials.kind === "runner-token") {
          log.warn(
            "GH_RUNNER_TOKEN is a registration token, valid one hour: it registers, but deregistration can only try `config.sh remove` with it, " +
              "which GitHub refuses (it wants a remove token), so the registration may outlive this container; prefer GH_TOKEN or a GitHub App",
          );
          token = credentials.token;
        } else {
          api = await ctx.github();
          token = await api.registrationToken(ctx.stopping);
        }
        log.info(`registering runner ${name} for ${config.scope?.url} with labels ${(config.GH_LABELS ?? []).join(",")}`);
        let id: number | undefined;
        registration = api
          ? apiRegistration(api, name, () => id ?? readRunnerSettings(config.runnerDir)?.agentId)
          : configShRegistration(config, rlog, name, token);
        await configureRunner(config, rlog, { name, token, exported: ctx.exportedEnv, stopping: ctx.stopping });
        id = readRunnerSettings(config.runnerDir)?.agentId;
        ctx.state.update({ runnerId: id });
      }

      await awaitBackground(ctx);
      if (ctx.stopping.aborted) return;
      runner = new RunnerProcess(config, ctx.exportedEnv, runEnv, rlog);
      runner.on("event", (ev) => report(ctx, ev));
      stopWatch = watchRunnerHealth(runner, config.runnerDir, (message) => {
        // After our own DELETE the runner says its registration is gone: expected while stopping.
        if (ctx.stopping.aborted) return;
        log.error(`runner health: "${message}": the registration is unusable; replacing this runner`);
        ctx.requestStop({ kind: "failure", code: 1, message });
      });
      void runner.proc.result.then(({ code }) => {
        if (!ctx.stopping.aborted) {
          if (config.oneJob && code === 0) log.info("the one-job runner finished its job");
          else log.error(`the runner exited by itself with code ${code}`);
        }
        ctx.requestStop({ kind: "runner-exit", code });
      });
    },

    async stop(ctx, reason: StopReason) {
      stopWatch?.();
      if (!registration && !runner) return;
      const log = ctx.log;
      ctx.state.update({ state: "draining" });
      if (runner && (reason.kind === "signal" || (reason.kind === "failure" && reason.drain))) {
        await drainRunner({ registration, runner, log, escalated: ctx.escalated, debugDelaySec: ctx.config.DEBUG_SHUTDOWN_DELAY_SEC });
        return;
      }
      if (runner?.proc.running) await runner.proc.terminate("SIGINT", 30_000);
      runner?.proc.signalGroup("SIGKILL");
      if (registration) await deregister(registration, log, { until: AbortSignal.timeout(120_000) });
    },
  };
}
