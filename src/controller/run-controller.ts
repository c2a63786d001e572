import { setMaxListeners } from "node:events";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import { StateStore } from "../lifecycle/state-store.ts";
import { ConfigError, EXIT_CONFIG } from "../config/config-error.ts";
import { loadConfig, type Env } from "../config/load-config.ts";
import { connectRunnerApi } from "../github/github-client.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import { catchStrayErrors } from "../lifecycle/catch-stray-errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { signalExitCode } from "../pid1/exit-code.ts";
import { handleSignals } from "../pid1/handle-signals.ts";
import { runnerGroupId } from "../runner/register-jit.ts";
import type { ContainerEngine } from "./container-engine.ts";
import { Controller } from "./controller.ts";
import { controllerSettings } from "./controller-settings.ts";
import { ControllerStore } from "./controller-store.ts";
import { dockerMessage } from "./docker-error.ts";
import { DockerEngine } from "./docker-engine.ts";
import { startHttpServer } from "./http-server.ts";
import { startHookUpkeep } from "./hook-upkeep.ts";
import { readTls } from "./tls-files.ts";
import { watchTls } from "./watch-tls.ts";
import { webhookSecret } from "./webhook-secret.ts";
import { rejectionLog } from "./rejection-log.ts";

/** docker stop waits 10 s before SIGKILL: the stop is over well before. */
const STOP_DEADLINE_MS = 6_000;

export interface StartOptions {
  readonly env: Env;
  readonly log: Logger;
  /** Its abort starts the stop: /webhook answers 503, nothing new starts. */
  readonly stopping: AbortSignal;
  /** Tests give a fake engine; the default is Docker through dockerode. */
  readonly engine?: ContainerEngine;
}

export interface RunningController {
  readonly controller: Controller;
  /** The port /webhook, /health and /metrics answer on. */
  readonly port: number;
  /** After `stopping` aborted: stops idle runners, saves the state, closes the server (bounded). */
  shutdown(): Promise<void>;
  /** Closes the server and halts, saving nothing and stopping no runner (what a crash leaves; for tests). */
  halt(): void;
}

async function connectDocker(log: Logger): Promise<ContainerEngine> {
  const docker = new DockerEngine();
  const where = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
  const version = await docker.version().catch((e: unknown) => {
    throw new BootError(`cannot reach the Docker engine at ${where} (DOCKER_HOST): ${dockerMessage(e)}; mount /var/run/docker.sock`);
  });
  log.info(`Docker engine ${version} at ${where}`);
  return docker;
}

/**
 * Checks the configuration, Docker and GitHub (one line naming what is at
 * fault: ConfigError or BootError), then serves the webhook and adopts what
 * Docker and GitHub show before it starts anything.
 */
export async function startController(o: StartOptions): Promise<RunningController> {
  const { log, stopping } = o;
  // Every launch and the reconcile wait on it at once while GitHub is slow: more than Node's default of 10 is no leak.
  setMaxListeners(0, stopping);
  const config = loadConfig(o.env, undefined, "controller");
  for (const secret of config.secrets) log.mask(secret);
  for (const w of config.warnings) log.warn(w);
  const settings = controllerSettings(config);
  const tlsFiles = config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE } : undefined;
  const tls = tlsFiles && readTls(tlsFiles);
  const store = new ControllerStore(config.DATA_DIR);
  const secret = webhookSecret({ given: config.WEBHOOK_SECRET, dataDir: config.DATA_DIR, id: "default", log });
  const engine = o.engine ?? (await connectDocker(log));
  const api = await connectRunnerApi(config, log, stopping);
  // The credential and the scope are checked here, with one line naming the variable at fault.
  await api.list(stopping);
  const groupId = await runnerGroupId(api, config, stopping);
  const controller = new Controller({ config, settings, engine, api, log, store, runnerGroupId: groupId, stopping });
  const loaded = store.load(settings.controllerId);
  if (loaded.problem) log.warn(loaded.problem);
  controller.restore(loaded.state);

  const refused = rejectionLog(log);
  const { server, port } = await startHttpServer(config.WEBHOOK_PORT, {
    secret,
    onDelivery: (d) => (d.kind === "job" ? controller.onJob(d.event) : "ignored"),
    onResult: (result, detail) => {
      controller.metrics.delivery(result);
      if (result === "unauthorized" || result === "malformed" || result === "too_large") refused(result, detail);
    },
    health: () => controller.health(),
    metrics: () => controller.renderMetrics(),
    stopping: () => stopping.aborted,
  }, { tls }).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError("WEBHOOK_PORT", `cannot listen on port ${config.WEBHOOK_PORT}: ${e.code ?? e.message}`);
  });
  const stopTls = tlsFiles && "setSecureContext" in server ? watchTls(server, tlsFiles, log) : undefined;
  const closeServer = (): void => {
    stopTls?.();
    server.close();
    server.closeAllConnections();
  };
  const scope = config.scope;
  log.info(
    `controller ${settings.controllerId} for ${scope?.kind} ${scope?.name}: webhook on :${port}/webhook${tls ? ` (HTTPS: ${tls.summary})` : ""}; runners from ${config.RUNNER_IMAGE} ` +
      `with labels ${settings.runnerLabels.join(",")}, at most ${config.MAX_RUNNERS}, ${config.WARM_RUNNERS} warm`,
  );
  try {
    await controller.start();
  } catch (e) {
    closeServer();
    throw e;
  }
  // The image's HEALTHCHECK (`ci-runner health`) reads this, as for a runner.
  const state = new StateStore(config.CI_RUNNER_STATE_FILE);
  state.update({ state: "serving" });
  log.info("ready");
  const stopHook =
    config.WEBHOOK_HOST && scope
      ? startHookUpkeep({ scope, api: api.hookApi(), target: { url: `${config.WEBHOOK_HOST}/webhook`, secret }, log, intervalMs: config.REDELIVERY_INTERVAL_SEC * 1000, signal: stopping })
      : undefined;
  return {
    controller,
    port,
    async shutdown() {
      stopHook?.();
      state.update({ state: "stopped" });
      await controller.stop(AbortSignal.timeout(STOP_DEADLINE_MS));
      closeServer();
    },
    halt() {
      stopHook?.();
      controller.halt();
      closeServer();
    },
  };
}

/**
 * `ci-runner controller`: starts (exit 78 naming the variable for a bad
 * setting, the BootError's code for Docker or GitHub refusing), scales until
 * a stop signal, then stops within seconds: exit 128 + signal.
 */
export async function runController(env: Env = process.env): Promise<number> {
  const log = createLogger("controller");
  const stopCtl = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  const removeSignals = handleSignals((signal, count) => {
    if (count > 1) {
      log.warn(`second ${signal}: exiting now`);
      process.exit(signalExitCode(signal));
    }
    stopSignal ??= signal;
    stopCtl.abort();
  });
  const removeNet = catchStrayErrors(log, () => stopCtl.abort());
  try {
    const running = await startController({ env, log, stopping: stopCtl.signal });
    await whenAborted(stopCtl.signal);
    log.info(`${stopSignal ?? "stop"}: webhook deliveries now get 503; saving the state`);
    await running.shutdown();
    log.info("stopped");
    return stopSignal ? signalExitCode(stopSignal) : 70;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof BootError) {
      log.error(e.message);
      return e instanceof BootError ? e.exitCode : EXIT_CONFIG;
    }
    if (stopSignal) return signalExitCode(stopSignal);
    throw e;
  } finally {
    removeNet();
    removeSignals();
  }
}
