import { readdirSync, statSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { FORCE_KILL_AFTER_MS, groupGone, signalGroup, stopGroup } from "../process/stop-group.ts";
import { builtinHookHasNothingToDo } from "./builtin-noop.ts";
import { runHook } from "./run-hook.ts";

const HOOK_NAME = /^entrypoint\..+\.sh$/;

/**
 * `dir/entrypoint.*.sh` in bytewise name order, as `ls` with LC_ALL=C sorts them. A missing directory has no
 * hooks; one that cannot be read throws (its hooks exist but would be skipped: the caller says so).
 */
export function findHooks(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw e;
  }
  return names
    .filter((n) => HOOK_NAME.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => `${dir}/${n}`)
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * Runs `<dir>/entrypoint.*.sh` as `user`, in order; at shutdown stops the
 * background processes they left (SIGTERM to each hook's group, SIGKILL later).
 */
export function createHooksPhase(name: string, dir: (ctx: Context) => string, user: (ctx: Context) => UserInfo): Phase {
  const groups: number[] = [];
  return {
    name,
    async start(ctx) {
      let hooks: string[];
      try {
        hooks = findHooks(dir(ctx));
      } catch (e) {
        // `docker run --user 1001` (runAsNonRoot): /root is not readable, so its hooks cannot run.
        const uid = process.getuid?.() ?? 0;
        const who = uid === 0 ? "" : `, running as uid ${uid}, not root`;
        ctx.log.warn(`${name}: cannot read ${dir(ctx)} (${(e as NodeJS.ErrnoException).code ?? String(e)}${who}); its hooks are skipped`);
        return;
      }
      if (hooks.length === 0) return;
      const u = user(ctx);
      ctx.log.info(`running ${hooks.length} hook(s) as ${u.name}: ${hooks.join(" ")}`);
      for (const hook of hooks) {
        // The image's own hooks mostly have nothing to do (no socket mounted, no DIND): bash would start only to exit.
        if (builtinHookHasNothingToDo(hook, childEnv(u, ctx.exportedEnv))) {
          ctx.log.info(`hook ${hook}: the image's own, with nothing to do here: skipped`);
          continue;
        }
        let pgid: number | undefined;
        try {
          await runHook(hook, u, ctx.exportedEnv, ctx.log, ctx.stopping, (g) => (pgid = g));
        } finally {
          // What it left running, also when it failed or the stop cut it short: the stop ends it, else nothing
          // would (as PID 1 the kernel kills it at our exit, but not under `docker run --init`).
          if (pgid !== undefined && signalGroup(pgid, 0)) groups.push(pgid);
        }
      }
    },
    async stop(ctx) {
      const live = groups.filter((g) => signalGroup(g, 0));
      if (live.length === 0) return;
      ctx.log.info(`stopping ${live.length} background process group(s) left by ${name}`);
      const stopped = new AbortController();
      await Promise.all(live.map((g) => stopGroup((s) => signalGroup(g, s), "SIGTERM", FORCE_KILL_AFTER_MS, groupGone(g, stopped.signal))));
      stopped.abort();
    },
  };
}
