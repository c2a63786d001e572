import { existsSync } from "node:fs";
import { EXIT_CONFIG } from "../config/config-error.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Context, Phase, StopReason } from "../lifecycle/phase.ts";
import { isoTime } from "../log/iso-time.ts";
import { deregister } from "./deregister.ts";
import { drainRunner } from "./drain-runner.ts";
import { clearStaleConfig, forgetKeptRegistration, keepRegistration } from "./kept-registration.ts";
import { registerJit } from "./register-jit.ts";
import { registerOrResume } from "./register-or-resume.ts";
import { apiRegistration, type Registration } from "./registration.ts";
import { runnerName } from "./runner-name.ts";
import { missingRunnerFile, RunnerProcess } from "./runner-process.ts";
import { jitRunnerSettings } from "./runner-settings.ts";
import { watchRunnerHealth } from "./watch-runner-health.ts";
import type { ListenerEvent } from "./parse-listener-line.ts";

/** How long background work may still run before the wait is worth a line. */
const QUIET_MS = 200;

/** Waits for every background job (warm start, git credentials); names those still running only after QUIET_MS. */
async function awaitBackground(ctx: Context): Promise<void> {
  const pending = new Set(ctx.background.keys());
  for (const [name, job] of ctx.background) {
    const done = () => void pending.delete(name);
    void job.then(done, done);
  }
  const timer = setTimeout(() => {
    if (pending.size > 0) ctx.log.info(`waiting for ${[...pending].join(", ")} before starting the runner`);
  }, QUIET_MS);
  try {
    await Promise.all(ctx.background.values());
  } finally {
    clearTimeout(timer);
  }
}

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
      state.update({ listeningSince: isoTime(ctx.runner.listeningSince) });
    }
    if (state.get().state !== "draining") state.update({ state: "idle" });
  }
}

/**
 * Registers the runner, waits for the background work it needs (warm start, git credentials), then runs run.sh.
 * Its stop is the graceful drain; whatever happened, no registration of ours is left behind.
 */
export function createRunnerPhase(): Phase {
  let registration: Registration | undefined;
  let runner: RunnerProcess | undefined;
  let stopWatch: (() => void) | undefined;
  /** The runner said its registration is deleted or unusable: nothing worth keeping. */
  let unusable = false;

  return {
    name: "runner",
    async start(ctx) {
      const { config, log } = ctx;
      const rlog = log.child("runner");
      const credentials = config.credentials;
      if (!credentials) throw new Error("the runner phase needs credentials");
      // Before any GitHub call: a wrong RUNNER_DIR must not leave a registration behind.
      const missing = missingRunnerFile(config);
      if (missing !== undefined) throw new BootError(`RUNNER_DIR: no ${missing}: the runner is not installed there`, EXIT_CONFIG);
      const name = runnerName(config.RUNNER_NAME, config.RUNNER_NAME_PREFIX, config.oneJob || config.RUNNER_NAME_RANDOM_SUFFIX);
      ctx.runner.name = name;
      ctx.state.update({ state: "registering", runnerName: name });
      // The docker-wait phase has waited for the engine already: run.sh must not wait again.
      const runEnv: Record<string, string> = config.RUNNER_WAIT_FOR_DOCKER_IN_SECONDS ? { RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "0" } : {};
      // The runner directory holds only what this start puts there; a kept registration comes from RUNNER_REGISTRATION_DIR.
      const stale = clearStaleConfig(config.runnerDir);
      if (stale.length && config.RUNNER_REGISTRATION_DIR === undefined) log.info(`removed stale ${stale.join(", ")} from ${config.runnerDir} (left by an earlier start)`);

      let registered: { name: string; id: number | undefined };
      if (credentials.kind === "jit") {
        const settings = jitRunnerSettings(credentials.jitConfig);
        registered = { name: settings.agentName ?? name, id: settings.agentId };
        log.info(`pre-issued JIT config (ACTIONS_RUNNER_INPUT_JITCONFIG) for runner ${registered.name}: nothing to register; GitHub removes the runner after its job`);
        runEnv.ACTIONS_RUNNER_INPUT_JITCONFIG = credentials.jitConfig;
      } else if (config.RUNNER_JIT) {
        const api = await ctx.github();
        // A request the stop ended may have registered the runner all the same: its stop looks it up by name.
        const unanswered = (asked: string) => (registration = apiRegistration(api, asked, () => undefined));
        const jit = await registerJit(api, config, name, log, { stopping: ctx.stopping, escalated: ctx.escalated, unanswered });
        registration = apiRegistration(api, jit.name, () => jit.id);
        registered = jit;
        runEnv.ACTIONS_RUNNER_INPUT_JITCONFIG = jit.encodedJitConfig;
      } else {
        registered = await registerOrResume(ctx, name, rlog, (r) => (registration = r));
      }
      // The registration's own name and id (a pre-issued JIT config's, a retried taken name), for the log, the state file and health.
      ctx.runner.name = registered.name;
      ctx.state.update({ runnerName: registered.name, runnerId: registered.id });

      await awaitBackground(ctx);
      if (ctx.stopping.aborted) return;
      runner = new RunnerProcess(config, ctx.exportedEnv, runEnv, rlog);
      runner.on("event", (ev) => report(ctx, ev));
      stopWatch = watchRunnerHealth(runner, config.runnerDir, (message) => {
        unusable = true;
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
      const { config, log } = ctx;
      ctx.state.update({ state: "draining" });
      // RUNNER_KEEP_REGISTRATION: drained like a pre-issued JIT runner, by its output, and left registered;
      // but not a registration config.sh was interrupted in (no .runner): nothing could resume it.
      const keep = config.RUNNER_KEEP_REGISTRATION && existsSync(`${config.runnerDir}/.runner`);
      const removable = keep ? undefined : registration;
      let gone = false;
      if (runner && (reason.kind === "signal" || (reason.kind === "failure" && reason.drain))) {
        gone = await drainRunner({ registration: removable, runner, log, escalated: ctx.escalated, debugDelaySec: config.DEBUG_SHUTDOWN_DELAY_SEC });
      } else {
        await runner?.stop();
        if (removable) gone = (await deregister(removable, log, { until: AbortSignal.timeout(120_000) })) === "removed";
      }
      if (registration && !removable) log.info(`leaving runner ${registration.name} registered on GitHub (RUNNER_KEEP_REGISTRATION)`);
      if (config.RUNNER_REGISTRATION_DIR !== undefined && registration) keepOrForget(ctx, registration.name, gone || unusable);
    },
  };
}

/**
 * After the stop, the registration kept in RUNNER_REGISTRATION_DIR follows the one on GitHub: forgotten when
 * that is gone (the next start registers anew), else the runner's current files are kept.
 */
function keepOrForget(ctx: Context, name: string, gone: boolean): void {
  const { config, log } = ctx;
  try {
    if (gone || !existsSync(`${config.runnerDir}/.runner`)) {
      if (forgetKeptRegistration(config)) log.info(`removed the registration of runner ${name} from ${config.RUNNER_REGISTRATION_DIR}: the next start registers anew`);
    } else {
      keepRegistration(config);
    }
  } catch (e) {
    log.warn(`RUNNER_REGISTRATION_DIR: cannot update ${config.RUNNER_REGISTRATION_DIR} (${(e as Error).message})`);
  }
}
