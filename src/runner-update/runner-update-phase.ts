import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import type { Config } from "../config/load-config.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { runProcess } from "../process/start-process.ts";
import { RENAMED_RUN_SH } from "../runner/runner-process.ts";
import { downloadVerified, fileSha256 } from "./download-verified.ts";
import { isNewer, latestRelease, parseVersion, runnerArch, type RunnerRelease } from "./runner-release.ts";

/**
 * The installed runner's version (`Runner.Listener --version`) and age (its files' mtime, which tar keeps from the
 * release); throws with a one-line reason when the runner directory holds no runner that answers.
 */
async function installedRunner(config: Config, env: Record<string, string>, signal: AbortSignal): Promise<{ version: string; ageDays: number }> {
  const listener = `${config.runnerDir}/bin/Runner.Listener`;
  const mtimeMs = statSync(listener).mtimeMs;
  const run = await runProcess(listener, ["--version"], { user: config.runnerUser, env, cancelSignal: signal });
  const version = run.stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (run.code !== 0 || !parseVersion(version)) {
    throw new Error(`${listener} --version: ${run.code !== 0 ? `exit code ${run.code}` : `unexpected output "${version}"`}`);
  }
  return { version, ageDays: Math.max(0, (Date.now() - mtimeMs) / 86_400_000) };
}

/** What a runner tarball must hold for the swap to go ahead. */
const REQUIRED = ["config.sh", "run.sh", "bin/Runner.Listener"];

/**
 * Unpacks a runner tarball over `runnerDir`: extracted as the runner user into a staging directory inside it,
 * checked, then each top-level entry replaces the installed one by rename (registration files, _work and _diag
 * are not in it and stay). A failed extraction leaves the installed runner as it was.
 */
async function unpackRunner(tarball: string, config: Config, env: Record<string, string>, signal: AbortSignal): Promise<void> {
  const { runnerDir, runnerUser: user } = config;
  const staging = `${runnerDir}/.ci-runner-update`;
  try {
    const script = 'rm -rf "$1" && mkdir "$1" && tar -xzf "$2" -C "$1"';
    const run = await runProcess("/bin/sh", ["-c", script, "sh", staging, tarball], { user, env, cancelSignal: signal });
    if (run.code !== 0) throw new Error(`unpacking ${tarball} failed (exit code ${run.code}): ${run.stderr.trim().split("\n").at(-1) ?? ""}`.trim());
    const missing = REQUIRED.filter((f) => !existsSync(`${staging}/${f}`));
    if (missing.length) throw new Error(`${tarball} is not a runner tarball: no ${missing.join(", ")}`);
    // The image's layout stays: its run.sh is the supervisor, the runner's own is run-runner.sh.
    const renamed = existsSync(`${runnerDir}/${RENAMED_RUN_SH}`);
    for (const entry of readdirSync(staging)) {
      const target = `${runnerDir}/${renamed && entry === "run.sh" ? RENAMED_RUN_SH : entry}`;
      rmSync(target, { recursive: true, force: true });
      renameSync(`${staging}/${entry}`, target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

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
  const installed = await installedRunner(config, env, ctx.stopping);
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
  await unpackRunner(tarball, config, env, ctx.stopping);
  const now = await installedRunner(config, env, ctx.stopping);
  log.info(`runner updated from ${installed.version} to ${now.version}`);
}

/**
 * RUNNER_UPDATE_AT_BOOT=1: an installed runner older than RUNNER_UPDATE_MAX_AGE_DAYS is replaced by the latest
 * release before it is configured, never mid-job (config.sh --disableupdate). A failure is one warning line.
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
