import { readdirSync, rmSync } from "node:fs";
import type { Config } from "../config/load-config.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { downloadVerified, fileSha256 } from "./download-verified.ts";
import { installedRunner } from "./installed-runner.ts";
import { isNewer, latestRelease, runnerArch, type RunnerRelease } from "./runner-release.ts";
import { unpackRunner } from "./unpack-runner.ts";

/** The release tarball in CACHE_DIR (a volume that outlives the container): downloaded once, checksum-verified on every use. */
async function cachedTarball(config: Config, release: RunnerRelease, ctx: Context): Promise<string> {
  const path = `${config.CACHE_DIR}/${release.assetName}`;
  if ((await fileSha256(path)) === release.sha256) {
    ctx.log.info(`runner update: using ${path} from the cache`);
    return path;
  }
  ctx.log.info(`runner update: downloading ${release.downloadUrl}`);
  await downloadVerified(release.downloadUrl, path, release.sha256, ctx.stopping);
  // Only the newest tarball is worth keeping.
  for (const name of readdirSync(config.CACHE_DIR)) {
    if (/^actions-runner-linux-.*\.tar\.gz$/.test(name) && name !== release.assetName) rmSync(`${config.CACHE_DIR}/${name}`, { force: true });
  }
  return path;
}

async function update(ctx: Context): Promise<void> {
  const { config, log } = ctx;
  const env = childEnv(config.runnerUser, ctx.exportedEnv);
  const installed = await installedRunner(config.runnerDir, config.runnerUser, env, ctx.stopping);
  const age = Math.floor(installed.ageDays);
  if (installed.ageDays < config.RUNNER_UPDATE_MAX_AGE_DAYS) {
    log.info(`runner ${installed.version} is ${age} days old (RUNNER_UPDATE_MAX_AGE_DAYS ${config.RUNNER_UPDATE_MAX_AGE_DAYS}): no update`);
    return;
  }
  const arch = runnerArch();
  if (!arch) throw new Error(`actions/runner has no build for ${process.arch}`);
  const release = await latestRelease(config.RUNNER_RELEASES_URL, arch, ctx.stopping);
  if (!isNewer(release.version, installed.version)) {
    log.info(`runner ${installed.version} is ${age} days old, and the latest release is ${release.version}: no update`);
    return;
  }
  const tarball = await cachedTarball(config, release, ctx);
  await unpackRunner(tarball, config.runnerDir, config.runnerUser, env, ctx.stopping);
  const now = await installedRunner(config.runnerDir, config.runnerUser, env, ctx.stopping);
  log.info(`runner updated from ${installed.version} to ${now.version}`);
}

/**
 * RUNNER_UPDATE_AT_BOOT=1: an installed runner older than
 * RUNNER_UPDATE_MAX_AGE_DAYS is replaced by the latest release before it is
 * configured. The runner never updates itself (config.sh --disableupdate), so
 * no job is interrupted by an update. Any failure is one warning line, and
 * the installed runner boots.
 */
export function createRunnerUpdatePhase(): Phase {
  return {
    name: "runner-update",
    async start(ctx) {
      if (!ctx.config.RUNNER_UPDATE_AT_BOOT) return;
      try {
        await update(ctx);
      } catch (e) {
        if (ctx.stopping.aborted) return;
        ctx.log.warn(`runner update failed: ${e instanceof Error ? e.message : String(e)}; starting the installed runner`);
      }
    },
  };
}
