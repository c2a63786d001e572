import { ConfigError } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import type { Logger } from "../log/logger.ts";
import type { ForwardOptions } from "./forward-options.ts";
import { forwardOptions, forwardSpec } from "./forward-phase.ts";
import { startForwarders } from "./start-forwarders.ts";

/**
 * `ci-runner forward`: only the forwarders, from the same variables, until
 * `signal` aborts. Throws ConfigError (exit 78) when FORWARD_HOST or
 * FORWARD_PORTS is missing, since there would be nothing to do.
 */
export async function runForward(config: Config, log: Logger, signal: AbortSignal, overrides: Partial<ForwardOptions> = {}): Promise<void> {
  const spec = forwardSpec(config);
  if (!spec) throw new ConfigError("FORWARD_PORTS", "`ci-runner forward` needs FORWARD_HOST and FORWARD_PORTS");
  const forwarders = await startForwarders(spec, log.child("forward"), forwardOptions(config, overrides));
  await whenAborted(signal);
  await forwarders.stop();
}
