import { ConfigError, EXIT_CONFIG } from "./config/config-error.ts";
import { currentUser } from "./config/current-user.ts";
import { loadConfig } from "./config/load-config.ts";
import { createGitCredentialsPhase } from "./git/git-credentials-phase.ts";
import { createHooksPhase } from "./hooks/hooks-phase.ts";
import type { Phase } from "./lifecycle/phase.ts";
import { createPrepareDirsPhase } from "./lifecycle/prepare-dirs-phase.ts";
import { runSupervisor } from "./lifecycle/run-supervisor.ts";
import { createLogger } from "./log/logger.ts";
import { startReaper } from "./pid1/start-reaper.ts";
import { createRunnerUpdatePhase } from "./runner-update/runner-update-phase.ts";
import { createRunnerPhase } from "./runner/runner-phase.ts";
import { createSpotWatchPhase } from "./cloud/spot-watch-phase.ts";
import { createUptimePhase } from "./cloud/uptime-phase.ts";
import { createMetricsPhase } from "./cloud/metrics-phase.ts";
import { createGcOfflinePhase } from "./runner/gc-offline-phase.ts";
import { createForwardPhase } from "./forward/forward-phase.ts";
import { runForward } from "./forward/run-forward.ts";
import { handleSignals } from "./pid1/handle-signals.ts";
import { signalExitCode } from "./pid1/exit-code.ts";
import { createWorkdirReportPhase } from "./workdir/workdir-report-phase.ts";
import { createWarmStartPhase } from "./warmstart/warm-start-phase.ts";
import { health } from "./commands/health.ts";
import { printConfig } from "./commands/print-config.ts";
import { runCommand } from "./commands/run-command.ts";

const USAGE = `usage: ci-runner [command]
  (none)    the entrypoint: hooks, forwarding, warm start, runner, graceful drain
  config    print the effective configuration (secrets masked); exit 78 if invalid
  forward   run only the port forwarders (FORWARD_HOST, FORWARD_PORTS) until stopped
  health    exit 0 when the runner is listening or running a job (HEALTHCHECK)
  help      this text
  CMD ...   any other command runs as a child (docker run -it ci-runner bash), signals forwarded`;

/** The lifecycle, in boot order; stops run in reverse. */
function phases(): Phase[] {
  return [
    createPrepareDirsPhase(),
    createWorkdirReportPhase(),
    // Early: a spot notice during a long boot drains too.
    createSpotWatchPhase(),
    createUptimePhase(),
    // Before the hooks: they, and the warm start, may need a forwarded port (CI_STORAGE_HOST=127.0.0.1:10022).
    createForwardPhase(),
    createHooksPhase("root hooks", (ctx) => ctx.config.ROOT_HOOKS_DIR, () => currentUser()),
    // Starts the load in the background; only the runner's start waits for it.
    createWarmStartPhase(),
    createRunnerUpdatePhase(),
    createHooksPhase("guest hooks", (ctx) => ctx.config.guestHooksDir, (ctx) => ctx.config.runnerUser),
    // In the background; after the guest hooks, which may write ~/.gitconfig themselves.
    createGitCredentialsPhase(),
    createRunnerPhase(),
    createGcOfflinePhase(),
    createMetricsPhase(),
  ];
}

async function entrypoint(): Promise<number> {
  const log = createLogger("ci-runner");
  const stopReaper = startReaper({ log });
  try {
    let config;
    try {
      config = loadConfig(process.env);
    } catch (e) {
      if (e instanceof ConfigError) {
        log.error(e.message);
        return EXIT_CONFIG;
      }
      throw e;
    }
    return await runSupervisor(config, phases(), log, config.oneJob);
  } finally {
    stopReaper();
  }
}

async function forwardOnly(): Promise<number> {
  const log = createLogger("ci-runner");
  try {
    const config = loadConfig(process.env, undefined, "forward");
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
      const stopReaper = startReaper({ log: createLogger("ci-runner") });
      try {
        return await runCommand(argv);
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
