import type { Config } from "../config/load-config.ts";
import type { Phase } from "./phase.ts";

/**
 * A phase whose code is a chunk of the bundle of its own, loaded (once) only
 * when `used(config)` says the configuration turns it on: a runner without
 * forwarding, spot watch, CloudWatch or a runner update never parses their
 * code nor the Node modules it needs. `used` names the variable that turns
 * the phase on; the phase still makes its own checks once loaded.
 */
export function lazyPhase(name: string, used: (config: Config) => unknown, load: () => Promise<Phase>): Phase {
  let phase: Phase | undefined;
  return {
    name,
    async start(ctx) {
      if (!used(ctx.config)) return;
      phase = await load();
      if (phase.name !== name) throw new Error(`boot phase "${name}" loaded the code of "${phase.name}"`);
      await phase.start(ctx);
    },
    async stop(ctx, reason) {
      await phase?.stop?.(ctx, reason);
    },
  };
}
