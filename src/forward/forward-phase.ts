import type { Config } from "../config/load-config.ts";
import type { Phase } from "../lifecycle/phase.ts";
import { DEFAULT_FORWARD_OPTIONS, type ForwardOptions } from "./forward-options.ts";
import { startForwarders, type ForwardSpec, type Forwarders } from "./start-forwarders.ts";

/** FORWARD_HOST + FORWARD_PORTS, or undefined when forwarding is off (config validation makes them go together). */
export function forwardSpec(config: Config): ForwardSpec | undefined {
  if (!config.FORWARD_HOST?.length || !config.FORWARD_PORTS?.length) return undefined;
  return { hosts: config.FORWARD_HOST, ports: config.FORWARD_PORTS };
}

/** The fixed tuning plus what the config sets; `overrides` are for tests. */
export function forwardOptions(config: Config, overrides: Partial<ForwardOptions> = {}): ForwardOptions {
  return { ...DEFAULT_FORWARD_OPTIONS, checkIntervalMs: config.FORWARD_CHECK_INTERVAL_SEC * 1000, relayThreads: config.FORWARD_THREADS, ...overrides };
}

const PUBLISH_EVERY_MS = 1000;

/**
 * Phase "forward": 127.0.0.1:N -> FORWARD_HOST:N for each FORWARD_PORTS
 * item. `start` returns once every listener is up (or has logged why not), so
 * the warm start can use a forwarded port; `stop` closes them all and should
 * run last. Per-port counters go to the state file's "forward" section.
 */
export function createForwardPhase(overrides: Partial<ForwardOptions> = {}): Phase {
  let running: Forwarders | undefined;
  let publisher: NodeJS.Timeout | undefined;
  return {
    name: "forward",
    async start(ctx) {
      const spec = forwardSpec(ctx.config);
      if (!spec) return;
      running = await startForwarders(spec, ctx.log.child("forward"), forwardOptions(ctx.config, overrides));
      const forwarders = running;
      const publish = (): void => ctx.state.setSection("forward", forwarders.status());
      publish();
      publisher = setInterval(publish, PUBLISH_EVERY_MS).unref();
    },
    async stop(ctx) {
      clearInterval(publisher);
      if (!running) return;
      const forwarders = running;
      running = undefined;
      ctx.state.setSection("forward", forwarders.status());
      await forwarders.stop();
    },
  };
}
