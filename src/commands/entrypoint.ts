import { bootPhases } from "../boot-phases.ts";
import { exitOnConfigError } from "../config/config-error.ts";
import { loadConfig } from "../config/load-config.ts";
import { runSupervisor } from "../lifecycle/run-supervisor.ts";
import { createLogger } from "../log/logger.ts";
import { startReaper } from "../pid1/start-reaper.ts";
import { describeConfig } from "./print-config.ts";

/** `ci-runner` with no command: hooks, forwarding, warm start, runner, graceful drain. */
export async function entrypoint(): Promise<number> {
  const log = createLogger("ci-runner");
  const stopReaper = startReaper({ log });
  try {
    return await exitOnConfigError(
      (line) => log.error(line),
      async () => {
        const config = loadConfig(process.env);
        for (const secret of config.secrets) log.mask(secret);
        for (const w of config.warnings) log.warn(w);
        if (config.CI_RUNNER_DRY_RUN || config.CI_RUNNER_PRINT_CONFIG) describeConfig(config, (line) => log.info(`config: ${line}`));
        if (config.CI_RUNNER_DRY_RUN) {
          log.info("CI_RUNNER_DRY_RUN: configuration printed; nothing is started or registered");
          return 0;
        }
        return await runSupervisor(config, bootPhases(), log, config.oneJob);
      },
    );
  } finally {
    stopReaper();
  }
}
