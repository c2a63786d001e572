import { existsSync } from "node:fs";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { findExecutable } from "../fs/find-executable.ts";
import { childEnv } from "../process/child-env.ts";
import { runProcess } from "../process/start-process.ts";
import { createOwnedFile } from "../warmstart/owned-file.ts";

/** The URLs whose git credentials are the job step's token: GH_URL's origin, and github.com (where actions live). */
export function credentialUrls(ghUrl: string): string[] {
  const origin = new URL(ghUrl).origin;
  return origin === "https://github.com" ? [origin] : ["https://github.com", origin];
}

const NO_GIT = "git credentials: git is not installed; jobs' git over HTTPS gets no token from ci-runner";

/** Values git writes as they are: no quoting or escaping (`"`, `\\`, `#`, `;`, whitespace), so the text below is git's. */
const PLAIN = /^[^\s"\\#;]+$/;

/**
 * What `git config --file F --add credential.URL.helper HELPER` writes into a new file, for each of `urls`; undefined
 * when a value would need git's quoting (then git writes it).
 */
export function helperConfig(urls: readonly string[], helper: string): string | undefined {
  if (![helper, ...urls].every((s) => PLAIN.test(s))) return undefined;
  return urls.map((url) => `[credential "${url}"]\n\thelper = ${helper}\n`).join("");
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
  const urls = credentialUrls(config.GH_URL);
  const said = (url: string) => log.info(`git credentials: ${url} answered with the job's GITHUB_TOKEN or GH_TOKEN (${helper})`);
  const env = childEnv(user, ctx.exportedEnv);
  if (findExecutable("git", env.PATH) === undefined) {
    log.warn(NO_GIT);
    return;
  }
  // A fresh container's home has no ~/.gitconfig: written here, as git would, without starting git (as the
  // runner user, through setpriv) twice per URL beside the registration. Anything in the way: git does it.
  const fresh = helperConfig(urls, helper);
  try {
    if (fresh !== undefined && createOwnedFile(file, fresh, user, 0o644)) {
      urls.forEach(said);
      return;
    }
  } catch {
    // No home, not writable...: git below says why in its own words.
  }
  const git = (...args: string[]) => runProcess("git", ["config", "--file", file, ...args], { user, env, cancelSignal: ctx.stopping });
  for (const url of urls) {
    const key = `credential.${url}.helper`;
    const present = await git("--get-all", key);
    if (ctx.stopping.aborted) return;
    if (present.stdout.split("\n").includes(helper)) continue;
    const added = await git("--add", key, helper);
    if (ctx.stopping.aborted) return;
    if (added.code !== 0) {
      log.warn(`git credentials: cannot write ${file}: ${added.stderr.trim().split("\n").at(-1) ?? `exit code ${added.code}`}`);
      return;
    }
    said(url);
  }
}
