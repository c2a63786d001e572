import type { Logger } from "../log/logger.ts";
import type { ContainerEngine } from "./container-engine.ts";

/**
 * Containers of `controllerId` whose entry is not in `known` (removed from
 * REPOS_CONFIG_FILE while the controller was down): nobody adopts them, so
 * they get SIGTERM (an idle runner exits, a busy one finishes its job
 * first); their registrations, with no credential left to remove them, go
 * offline and GitHub drops them. A failure is one line: the entries serve on.
 */
export async function stopOrphans(engine: ContainerEngine, controllerId: string, known: ReadonlySet<string>, log: Logger): Promise<void> {
  try {
    for (const c of await engine.list(controllerId)) {
      if (c.entry === undefined || known.has(c.entry)) continue;
      log.warn(`container ${c.id.slice(0, 12)} (runner ${c.runnerName}) is of entry ${c.entry}, which REPOS_CONFIG_FILE no longer has: stopped (a busy runner finishes its job first)`);
      await (c.running ? engine.kill(c.id, "SIGTERM") : engine.remove(c.id));
    }
  } catch (e) {
    log.warn(`looking for containers of removed entries failed: ${(e as Error).message}`);
  }
}
