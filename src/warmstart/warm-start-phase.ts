import type { UserInfo } from "../config/lookup-user.ts";
import { lookupUser } from "../config/lookup-user.ts";
import type { Context, Phase } from "../lifecycle/phase.ts";
import { childEnv } from "../process/child-env.ts";
import { installSshKey } from "./install-ssh-key.ts";
import { loadNewestSlot, type LoadOutcome, type LoadSlotOptions } from "./load-slot.ts";
import { writeLoginProfile } from "./login-profile.ts";
import { makeOwnedDir, writeOwnedFile } from "./owned-file.ts";
import { checkoutDir } from "./storage-layout.ts";

/** Knobs that tests and the benchmark turn; production uses the defaults. */
export interface WarmStartOptions extends Pick<
  LoadSlotOptions,
  "progressIntervalMs" | "connectTimeoutSec" | "maxAgeSec" | "extraRsyncArgs" | "tmpDir" | "deadline"
> {
  /** The other user that gets the key (sudo ci-storage runs as root). Default: root from /etc/passwd. */
  readonly rootUser?: UserInfo;
}

/**
 * Warm start: prepares the runner user's home for the ci-storage action
 * (key, ~/ci-storage-host, a login that lands in the checkout dir) and
 * loads the newest ci-storage slot into the checkout dir in the background.
 * `start` returns at once; `ctx.background.get("warmstart")` settles when
 * the load is over (loaded, empty, failed or given up: it never rejects),
 * and the runner's start waits for it. `stop` kills a running transfer.
 */
export function createWarmStartPhase(options: WarmStartOptions = {}): Phase {
  const abort = new AbortController();
  let running: Promise<void> | undefined;

  return {
    name: "warmstart",

    async start(ctx: Context): Promise<void> {
      const { config, log } = ctx;
      const user = config.runnerUser;
      const repository = config.GH_REPOSITORY;
      const host = config.CI_STORAGE_HOST;
      if (repository === undefined) {
        // ci-storage slots, and the checkout dir, belong to one repository.
        if (host !== undefined) log.warn(`CI_STORAGE_HOST is set but the scope is not a repository (GH_REPOSITORY): no warm start from ${host.spec}`);
        return;
      }
      const localDir = checkoutDir(config.workDir, repository);
      const key = config.CI_STORAGE_PRIVATE_KEY?.trim() ? config.CI_STORAGE_PRIVATE_KEY : undefined;
      let keyFile: string | undefined;
      try {
        makeOwnedDir(localDir, user, 0o755);
        writeLoginProfile(user, localDir);
        if (host !== undefined) writeOwnedFile(`${user.home}/ci-storage-host`, `${host.spec}\n`, user, 0o644);
        if (host !== undefined && key !== undefined) keyFile = installSshKey(user, key);
      } catch (e) {
        // A read-only home or work dir costs the warm start, not the runner.
        log.warn(`cannot prepare the warm start for ${user.name}: ${describe(e)}; the runner starts cold`);
        return;
      }
      if (host === undefined) return;
      if (keyFile === undefined || key === undefined) {
        log.warn(`CI_STORAGE_HOST is set but CI_STORAGE_PRIVATE_KEY is not: no warm start from ${host.spec}`);
        ctx.state.setSection("warmstart", { status: "skipped", host: host.spec });
        return;
      }
      const root = options.rootUser ?? lookupUser("root");
      if (root !== undefined && root.uid !== user.uid) {
        try {
          installSshKey(root, key);
        } catch (e) {
          log.warn(`cannot install the storage key for ${root.name}: ${describe(e)}`);
        }
      }

      log.info(`loading the newest slot from ${host.spec} into ${localDir} in the background`);
      ctx.state.setSection("warmstart", { status: "loading", host: host.spec });
      const load = loadNewestSlot({
        ...options,
        user,
        host,
        keyFile,
        storageRoot: config.CI_STORAGE_DIR,
        repository,
        localDir,
        timeoutSec: config.CI_STORAGE_LOAD_TIMEOUT_SEC,
        stopping: AbortSignal.any([ctx.stopping, abort.signal]),
        log,
        env: childEnv(user, ctx.exportedEnv),
        onProgress: (slot, p) => ctx.state.setSection("warmstart", { status: "loading", host: host.spec, slot, ...p }),
      });
      running = load.then((outcome) => ctx.state.setSection("warmstart", { ...section(outcome), host: host.spec }));
      ctx.background.set("warmstart", running);
    },

    async stop(): Promise<void> {
      abort.abort();
      await running;
    },
  };
}

function section(outcome: LoadOutcome): Record<string, unknown> {
  const { kind, ...rest } = outcome;
  return { status: kind, ...rest };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
