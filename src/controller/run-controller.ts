import { setMaxListeners } from "node:events";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import { StateStore } from "../lifecycle/state-store.ts";
import { ConfigError, EXIT_CONFIG } from "../config/config-error.ts";
import { loadConfig, type Env } from "../config/load-config.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import { catchStrayErrors } from "../lifecycle/catch-stray-errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { signalExitCode } from "../pid1/exit-code.ts";
import { handleSignals } from "../pid1/handle-signals.ts";
import type { ContainerEngine } from "./container-engine.ts";
import { Controller } from "./controller.ts";
import { manyScopesControllerId } from "./controller-settings.ts";
import { ControllerStore } from "./controller-store.ts";
import { dockerMessage } from "./docker-error.ts";
import { DockerEngine } from "./docker-engine.ts";
import { Fleet } from "./fleet.ts";
import { startHttpServer } from "./http-server.ts";
import { readReposConfig } from "./repos-config.ts";
import { manyEntries, singleEntry, type ScopeEntry } from "./scope-entry.ts";
import { readTls, tlsFilesStamp } from "./tls-files.ts";
import { watchTls } from "./watch-tls.ts";
import { webhookSecret } from "./webhook-secret.ts";

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
  /** The single scope's controller (with REPOS_CONFIG_FILE: the first entry's). */
  readonly controller: Controller;
  /** Every scope's controller. */
  readonly fleet: Fleet;
  /** The port /webhook (/webhook/{id}), /health and /metrics answer on. */
  readonly port: number;
  /** Re-reads REPOS_CONFIG_FILE, as SIGHUP does; resolves once applied (a bad file: one line, nothing changes). */
  reload(why?: string): Promise<void>;
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
  const tlsFiles = config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE } : undefined;
  // Stamped before the read: a renewal from now on (GitHub's checks below take a while) is reloaded by watchTls.
  const tlsStamp = tlsFiles && tlsFilesStamp(tlsFiles);
  const tls = tlsFiles && readTls(tlsFiles);
  // DATA_DIR is checked (one line naming it) before Docker and GitHub are asked anything.
  new ControllerStore(config.DATA_DIR);
  const file = config.REPOS_CONFIG_FILE;
  const readEntries = (): ScopeEntry[] => {
    if (file === undefined) return [singleEntry(config, webhookSecret({ given: config.WEBHOOK_SECRET, dataDir: config.DATA_DIR, id: "default", log }))];
    const repos = readReposConfig(file, config);
    for (const secret of repos.secrets) log.mask(secret);
    // An entry without a secret of its own (WEBHOOK_HOST set): generated once into DATA_DIR/secrets/{id}.
    return manyEntries(config, repos, (id, given) => webhookSecret({ given, dataDir: config.DATA_DIR, id, log, variable: "REPOS_CONFIG_FILE" }));
  };
  const entries = readEntries();
  const engine = o.engine ?? (await connectDocker(log));
  const hooks = config.WEBHOOK_HOST ? { host: config.WEBHOOK_HOST, intervalMs: config.REDELIVERY_INTERVAL_SEC * 1000 } : undefined;
  const fleet = new Fleet({ base: config, engine, log, stopping, many: file !== undefined, ...(hooks ? { hooks } : {}) });
  await fleet.prepare(entries);

  const { server, port } = await startHttpServer(
    config.WEBHOOK_PORT,
    {
      webhook: (path) => fleet.webhook(path),
      health: () => fleet.health(),
      metrics: () => fleet.renderMetrics(),
      stopping: () => stopping.aborted,
    },
    { tls },
  ).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError("WEBHOOK_PORT", `cannot listen on port ${config.WEBHOOK_PORT}: ${e.code ?? e.message}`);
  });
  const stopTls = tlsFiles && "setSecureContext" in server ? watchTls(server, tlsFiles, log, tlsStamp ?? "") : undefined;
  const closeServer = (): void => {
    stopTls?.();
    server.close();
    server.closeAllConnections();
  };
  if (file !== undefined) log.info(`controller ${manyScopesControllerId(config)}: ${entries.length} entries of ${file}, at most ${config.MAX_RUNNERS} runners on this host`);
  // Only the entries serving: one GitHub refused has its "not started" line instead.
  for (const { entry: e } of fleet.members) {
    const scope = e.config.scope;
    const what = e.id === undefined ? `controller ${e.settings.controllerId} for` : `entry ${e.id}:`;
    log.info(
      `${what} ${scope?.kind} ${scope?.name}: webhook on :${port}${e.path}${tls ? ` (HTTPS: ${tls.summary})` : ""}; runners from ${e.config.RUNNER_IMAGE} ` +
        `with labels ${e.settings.runnerLabels.join(",")}, at most ${e.config.MAX_RUNNERS}, ${e.config.WARM_RUNNERS} warm`,
    );
  }
  try {
    await fleet.start();
  } catch (e) {
    closeServer();
    throw e;
  }
  // The image's HEALTHCHECK (`ci-runner health`) reads this, as for a runner.
  const state = new StateStore(config.CI_RUNNER_STATE_FILE, (line) => log.warn(line));
  state.update({ state: "serving" });
  const reload = async (why = "SIGHUP"): Promise<void> => {
    if (file === undefined) return;
    await fleet.reload(readEntries, why).catch((e: unknown) => log.error(`${why}: REPOS_CONFIG_FILE not applied: ${(e as Error).message}`));
  };
  // Polled (a stat every 2 s): also sees a file replaced by rename, as editors and Kubernetes ConfigMaps do.
  const onChange = (now: Stats, before: Stats): void => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) void reload(`${file} changed`);
  };
  if (file !== undefined) watchFile(file, { interval: 2000, persistent: false }, onChange);
  const unwatch = (): void => {
    if (file !== undefined) unwatchFile(file, onChange);
  };
  log.info("ready");
  return {
    controller: fleet.members[0]?.controller as Controller,
    fleet,
    port,
    reload,
    async shutdown() {
      unwatch();
      state.update({ state: "stopped" });
      await fleet.stop(AbortSignal.timeout(STOP_DEADLINE_MS));
      closeServer();
    },
    halt() {
      unwatch();
      fleet.halt();
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
  let running: RunningController | undefined;
  // With REPOS_CONFIG_FILE, SIGHUP re-reads it (before the start is over, the start reads it anyway).
  const onHangup = env.REPOS_CONFIG_FILE?.trim() ? () => void running?.reload("SIGHUP") : undefined;
  const removeSignals = handleSignals((signal, count) => {
    if (count > 1) {
      log.warn(`second ${signal}: exiting now`);
      process.exit(signalExitCode(signal));
    }
    stopSignal ??= signal;
    stopCtl.abort();
  }, onHangup);
  const removeNet = catchStrayErrors(log, () => stopCtl.abort());
  try {
    running = await startController({ env, log, stopping: stopCtl.signal });
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
