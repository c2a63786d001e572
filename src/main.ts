// First: see the file.
import "./pid1/first-statement.ts";
import { bootPhases } from "./boot-phases.ts";
import { ConfigError, EXIT_CONFIG } from "./config/config-error.ts";
import { loadConfig } from "./config/load-config.ts";
import { runSupervisor } from "./lifecycle/run-supervisor.ts";
import { createLogger } from "./log/logger.ts";
import { startReaper } from "./pid1/start-reaper.ts";
import { runForward } from "./forward/run-forward.ts";
import { handleSignals } from "./pid1/handle-signals.ts";
import { signalExitCode } from "./pid1/exit-code.ts";
import { health } from "./commands/health.ts";
import { describeConfig, printConfig } from "./commands/print-config.ts";
import { runCommand } from "./commands/run-command.ts";

const USAGE = `usage: ci-runner [command]
  (none)    the entrypoint: hooks, forwarding, warm start, runner, graceful drain
  config    print the effective configuration (secrets masked); exit 78 if invalid
  controller  the webhook autoscaler: one ephemeral runner container per queued job (README "Autoscaling")
  forward   run only the port forwarders (FORWARD_HOST, FORWARD_PORTS) until stopped
  health    exit 0 when the runner is listening or running a job (HEALTHCHECK)
  help      this text
  CMD ...   any other command runs as a child (docker run -it ci-runner bash), signals forwarded`;

async function entrypoint(): Promise<number> {
  const log = createLogger("ci-runner");
  const stopReaper = startReaper({ log });
  try {
    let config;
    try {
      config = loadConfig(process.env);
      for (const secret of config.secrets) log.mask(secret);
    } catch (e) {
      if (e instanceof ConfigError) {
        log.error(e.message);
        return EXIT_CONFIG;
      }
      throw e;
    }
    for (const w of config.warnings) log.warn(w);
    if (config.CI_RUNNER_DRY_RUN || config.CI_RUNNER_PRINT_CONFIG) describeConfig(config, (line) => log.info(`config: ${line}`));
    if (config.CI_RUNNER_DRY_RUN) {
      log.info("CI_RUNNER_DRY_RUN: configuration printed; nothing is started or registered");
      return 0;
    }
    return await runSupervisor(config, bootPhases(), log, config.oneJob);
  } finally {
    stopReaper();
  }
}

async function forwardOnly(): Promise<number> {
  const log = createLogger("ci-runner");
  try {
    const config = loadConfig(process.env, undefined, "forward");
    for (const secret of config.secrets) log.mask(secret);
    const stop = new AbortController();
    let signal: NodeJS.Signals | undefined;
    const remove = handleSignals((sig) => {
      signal ??= sig;
      stop.abort();
    });
    await runForward(config, log, stop.signal);
    remove();
    return signal ? signalExitCode(signal) : 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.error(e.message);
    return EXIT_CONFIG;
  }
}

async function main(argv: string[]): Promise<number> {
  // A broken log pipe (Docker's log driver restarted, a closed terminal) must
  // never stop PID 1: lines written then are lost, the drain is not.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  // compose passes `TZ: ""` for an unset variable; an empty TZ makes Node print "GMT+0" and is no zone at all.
  if (process.env.TZ === "") delete process.env.TZ;
  const [command = "entrypoint"] = argv;
  const out = (line: string) => process.stdout.write(line + "\n");
  switch (command) {
    case "entrypoint":
      return entrypoint();
    case "config":
      try {
        printConfig(process.env, out);
        return 0;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`ci-runner: ${e.message}\n`);
        return EXIT_CONFIG;
      }
    case "forward":
      return forwardOnly();
    case "controller": {
      // Its own chunk of the bundle (dockerode, prom-client): a runner's boot never loads it.
      const { runController } = await import("./controller/run-controller.ts");
      return runController();
    }
    case "health":
      return health(process.env.CI_RUNNER_STATE_FILE || "/run/ci-runner/state.json", out);
    case "help":
    case "--help":
    case "-h":
      out(USAGE);
      return 0;
    default: {
      if (command.startsWith("-")) {
        process.stderr.write(`ci-runner: unknown option "${command}"\n${USAGE}\n`);
        return 64;
      }
      const log = createLogger("ci-runner");
      const stopReaper = startReaper({ log });
      try {
        return await runCommand(argv, log);
      } finally {
        stopReaper();
      }
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ci-runner: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
