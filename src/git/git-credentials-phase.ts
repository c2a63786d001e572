import { existsSync } from "node:fs";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { runProcess } from "../process/start-process.ts";

/** The URLs whose git credentials are the job step's token: GH_URL's origin, and github.com (where actions live). */
export function credentialUrls(ghUrl: string): string[] {
  const origin = new URL(ghUrl).origin;
  return origin === "https://github.com" ? [origin] : ["https://github.com", origin];
}

/**
 * Names GIT_CREDENTIAL_HELPER in the runner user's ~/.gitconfig for those URLs, so that a job step's git over
 * HTTPS authenticates with that step's GITHUB_TOKEN / GH_TOKEN. `git config --add` keeps other settings and
 * helpers, and adds nothing twice. Problems are a warning: jobs that bring their own credentials still work.
 * After the guest hooks, so that it never races a hook's own `git config --global`.
 */
export function createGitCredentialsPhase(): Phase {
  let running: Promise<void> | undefined;
  return {
    name: "git-credentials",
    async start(ctx) {
      // Off the boot's critical path: it overlaps registration, and only the runner's start waits for it (so it never rejects).
      running = writeHelperConfig(ctx).catch((e: unknown) => ctx.log.warn(`git credentials: ${e instanceof Error ? e.message : String(e)}`));
      ctx.background.set("git-credentials", running);
    },
    async stop() {
      await running;
    },
  };
}

async function writeHelperConfig(ctx: Context): Promise<void> {
  const { config, log } = ctx;
  const helper = config.GIT_CREDENTIAL_HELPER;
  if (!existsSync(helper)) {
    log.warn(`git credentials: ${helper} not found; jobs' git over HTTPS gets no token from ci-runner`);
    return;
  }
  const user = config.runnerUser;
  const file = `${user.home}/.gitconfig`;
  const env = childEnv(user, ctx.exportedEnv);
  const git = (...args: string[]) => runProcess("git", ["config", "--file", file, ...args], { user, env, cancelSignal: ctx.stopping });
  for (const url of credentialUrls(config.GH_URL)) {
    const key = `credential.${url}.helper`;
    const present = await git("--get-all", key);
    if (present.code === 127) {
      log.warn("git credentials: git is not installed; jobs' git over HTTPS gets no token from ci-runner");
      return;
    }
    if (ctx.stopping.aborted) return;
    if (present.stdout.split("\n").includes(helper)) continue;
    const added = await git("--add", key, helper);
    if (ctx.stopping.aborted) return;
    if (added.code !== 0) {
      log.warn(`git credentials: cannot write ${file}: ${added.stderr.trim().split("\n").at(-1) ?? `exit code ${added.code}`}`);
      return;
    }
    log.info(`git credentials: ${url} answered with the job's GITHUB_TOKEN or GH_TOKEN (${helper})`);
  }
}
