import { EXIT_CONFIG } from "../config/config-error.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import type { Context } from "../lifecycle/phase.ts";
import type { Logger } from "../log/logger.ts";
import { forgetKeptRegistration, keepRegistration, readKeptRegistration, restoreKeptRegistration } from "./kept-registration.ts";
import { readRunnerSettings, type RunnerSettings } from "./runner-settings.ts";
import { apiRegistration, configShRegistration, type Registration } from "./registration.ts";
import { configureRunner } from "./run-config-sh.ts";

/**
 * The kept registration to resume, or undefined (with one line saying why) when there is none, it was made for
 * other settings, or GitHub no longer has it: checked before the runner starts, so that a restart registers anew
 * at once instead of failing on it.
 */
async function keptToResume(ctx: Context, api: RunnerApi | undefined): Promise<RunnerSettings | undefined> {
  const { config, log } = ctx;
  const kept = readKeptRegistration(config);
  if (kept.kind === "none") return undefined;
  const { agentName, agentId } = kept.settings;
  const where = `runner ${agentName} (id ${agentId}) kept in ${config.RUNNER_REGISTRATION_DIR}`;
  if (kept.kind === "changed") {
    const old = api ? await apiRegistration(api, agentName, () => agentId).tryRemove(ctx.stopping) : undefined;
    const fate =
      old === undefined ? "it stays on GitHub until dropped (GH_RUNNER_TOKEN cannot remove it)"
      : old === "busy" ? "GitHub calls it busy, so it stays"
      : old === "gone" ? "GitHub no longer had it"
      : "removed it from GitHub";
    log.info(`the registration of ${where} was made with other ${kept.changed.join(", ")}: ${fate}; registering anew`);
    forgetKeptRegistration(config);
    return undefined;
  }
  if (api && !(await api.findByName(agentName, ctx.stopping)).some((r) => r.id === agentId)) {
    log.info(`the registration of ${where} is gone from GitHub (deleted, or dropped after long offline): registering anew`);
    forgetKeptRegistration(config);
    return undefined;
  }
  return kept.settings;
}

/**
 * Registers with config.sh (a fresh registration token, or GH_RUNNER_TOKEN), or resumes the registration kept in
 * RUNNER_REGISTRATION_DIR. `adopt` gets the registration before config.sh runs, so that a stop meanwhile removes it.
 */
export async function registerOrResume(ctx: Context, name: string, rlog: Logger, adopt: (r: Registration) => void): Promise<{ name: string; id: number | undefined }> {
  const { config, log } = ctx;
  const credentials = config.credentials;
  if (!credentials || credentials.kind === "jit") throw new Error("registerOrResume needs a PAT, an App or GH_RUNNER_TOKEN");
  const runnerToken = credentials.kind === "runner-token" ? credentials.token : undefined;
  if (runnerToken !== undefined && !config.RUNNER_KEEP_REGISTRATION) {
    log.warn(
      "GH_RUNNER_TOKEN is a registration token, valid one hour: it registers, but deregistration can only try `config.sh remove` with it, " +
        "which GitHub refuses (it wants a remove token), so the registration may outlive this container; prefer GH_TOKEN or a GitHub App",
    );
  }
  const api = runnerToken === undefined ? await ctx.github() : undefined;

  const resumed = config.RUNNER_REGISTRATION_DIR === undefined ? undefined : await keptToResume(ctx, api);
  if (resumed) {
    try {
      restoreKeptRegistration(config);
    } catch (e) {
      // A read-only RUNNER_DIR or a damaged kept file: one line, and the registration stays kept for a fixed start.
      const cause = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new BootError(`RUNNER_REGISTRATION_DIR: cannot resume the registration kept in ${config.RUNNER_REGISTRATION_DIR} into ${config.runnerDir} (${cause})`, EXIT_CONFIG);
    }
    log.info(`resuming runner ${resumed.agentName} (id ${resumed.agentId}) kept in ${config.RUNNER_REGISTRATION_DIR}: no new registration`);
    adopt(api ? apiRegistration(api, resumed.agentName, () => resumed.agentId) : configShRegistration(config, rlog, resumed.agentName, runnerToken as string));
    return { name: resumed.agentName, id: resumed.agentId };
  }

  const token = runnerToken ?? (await (api as RunnerApi).registrationToken(ctx.stopping));
  log.info(`registering runner ${name} for ${config.scope?.url} with labels ${(config.GH_LABELS ?? []).join(",")}`);
  let id: number | undefined;
  adopt(api ? apiRegistration(api, name, () => id ?? readRunnerSettings(config.runnerDir)?.agentId) : configShRegistration(config, rlog, name, token));
  await configureRunner(config, rlog, name, token, ctx.exportedEnv, ctx.stopping);
  id = readRunnerSettings(config.runnerDir)?.agentId;
  if (config.RUNNER_REGISTRATION_DIR !== undefined) {
    try {
      keepRegistration(config);
      log.info(`keeping the registration of runner ${name} in ${config.RUNNER_REGISTRATION_DIR}: a restart resumes it`);
    } catch (e) {
      log.warn(`RUNNER_REGISTRATION_DIR: cannot keep the registration in ${config.RUNNER_REGISTRATION_DIR} (${(e as NodeJS.ErrnoException).code ?? String(e)}); a restart registers anew`);
    }
  }
  return { name, id };
}
