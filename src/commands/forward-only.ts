import { exitOnConfigError } from "../config/config-error.ts";
import { loadConfig } from "../config/load-config.ts";
import { runForward } from "../forward/run-forward.ts";
import { createLogger } from "../log/logger.ts";
import { signalExitCode } from "../pid1/exit-code.ts";
import { handleSignals } from "../pid1/handle-signals.ts";

/** `ci-runner forward`: only the port forwarders (FORWARD_HOST, FORWARD_PORTS) until stopped. */
export async function forwardOnly(): Promise<number> {
  const log = createLogger("ci-runner");
  return exitOnConfigError(
    (line) => log.error(line),
    async () => {
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
    },
  );
}
