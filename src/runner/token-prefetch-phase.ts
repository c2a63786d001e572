import type { Phase } from "../lifecycle/phase.ts";
import { missingRunnerFile } from "./runner-process.ts";

/**
 * Asks GitHub for the registration token the runner phase will need as soon
 * as the root hooks are done (they may set up the network, or the runner
 * itself): its round trip, and an App's installation token before it, then
 * overlap the guest hooks and the background work instead of holding up
 * config.sh. Only where the runner phase asks for one (a PAT, or an App with
 * GH_APP_INSTALLATION_ID; no kept registration, no JIT) and the runner is
 * installed, so that a RUNNER_DIR without it still exits 78 with GitHub never
 * called. Any failure is left to the runner phase, which then asks as it
 * always did.
 */
export function createTokenPrefetchPhase(): Phase {
  return {
    name: "token-prefetch",
    async start(ctx) {
      const { config } = ctx;
      const credentials = config.credentials;
      // An App without GH_APP_INSTALLATION_ID would look its installation up first, with retries and log lines.
      const quiet = credentials?.kind === "pat" || (credentials?.kind === "app" && credentials.installationId !== undefined);
      if (!quiet || config.RUNNER_JIT || config.RUNNER_REGISTRATION_DIR !== undefined) return;
      if (missingRunnerFile(config) !== undefined) return;
      ctx.github().then(
        (api) => api.prefetchRegistrationToken(ctx.stopping),
        () => {},
      );
    },
  };
}
