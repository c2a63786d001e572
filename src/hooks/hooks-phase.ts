import type { UserInfo } from "../config/lookup-user.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { abortableSleep } from "../lifecycle/abortable-sleep.ts";
import { groupMembers } from "../process/group-members.ts";
import { signalGroup } from "../process/signal-group.ts";
import { findHooks } from "./find-hooks.ts";
import { runHook } from "./run-hook.ts";

/** How long hooks' leftovers get between SIGTERM and SIGKILL at shutdown. */
const LEFTOVER_GRACE_MS = 5000;

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
        const run = await runHook(hook, u, ctx.exportedEnv, ctx.log, ctx.stopping);
        if (run.pgid !== undefined && groupMembers(run.pgid).length > 0) groups.push(run.pgid);
      }
    },
    async stop(ctx) {
      const live = groups.filter((g) => groupMembers(g).length > 0);
      if (live.length === 0) return;
      ctx.log.info(`stopping ${live.length} background process group(s) left by ${name}`);
      for (const g of live) signalGroup(g, "SIGTERM");
      for (let waited = 0; waited < LEFTOVER_GRACE_MS && live.some((g) => groupMembers(g).length > 0); waited += 100) {
        await abortableSleep(100);
      }
      for (const g of live) if (groupMembers(g).length > 0) signalGroup(g, "SIGKILL");
    },
  };
}
