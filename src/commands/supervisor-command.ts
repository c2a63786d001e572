import { exitOnConfigError } from "../config/config-error.ts";
import { createLogger } from "../log/logger.ts";
import { startReaper } from "../pid1/start-reaper.ts";
import { entrypoint } from "./entrypoint.ts";
import { printConfig } from "./print-config.ts";
import { runCommand } from "./run-command.ts";

/**
 * The commands of the runner image's supervisor: the entrypoint, `config`,
 * `forward` and any other command run as a child. One chunk of the bundle,
 * loaded by main.ts for them only (`help`, `health` and `controller` need
 * none of it); forwarding's code is a chunk of its own, loaded when used.
 */
export async function supervisorCommand(argv: readonly string[]): Promise<number> {
  const [command = "entrypoint"] = argv;
  switch (command) {
    case "entrypoint":
      return entrypoint();
    case "config":
      return exitOnConfigError(
        (line) => process.stderr.write(`ci-runner: ${line}\n`),
        () => {
          printConfig(process.env, (line) => process.stdout.write(line + "\n"));
          return 0;
        },
      );
    case "forward":
      return (await import("./forward-only.ts")).forwardOnly();
    default: {
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
