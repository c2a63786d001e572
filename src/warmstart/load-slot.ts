import { opendirSync, realpathSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import type { StorageHost } from "../config/parse-storage-host.ts";
import type { Logger } from "../log/logger.ts";
import { emptyDir } from "./empty-dir.ts";
import { failureCause } from "./failure-cause.ts";
import { findExecutable } from "../fs/find-executable.ts";
import { formatCount, formatSize } from "./format-size.ts";
import { writeOwnedFile } from "./owned-file.ts";
import { rsyncLoadArgs } from "./rsync-args.ts";
import { RsyncOutput, type RsyncProgress } from "./rsync-output.ts";
import { RsyncOutputFile } from "./rsync-output-file.ts";
import { runProcess } from "../process/start-process.ts";
import { chooseSlot, DEFAULT_MAX_AGE_SEC, listSlotsCommand, parseSlotListing, type SlotInfo } from "./slot-listing.ts";
import { EMPTY_META, metaAfterLoad, serializeSlotMeta, type SlotMeta } from "./slot-meta.ts";
import { openSshMux } from "./ssh-mux.ts";
import { sshCommand, sshDestination } from "./ssh-options.ts";
import { localMetaPath, storageDirFor } from "./storage-layout.ts";

/** The slot listing kept (about 100 bytes a slot): far more slots than a storage dir holds. */
const LISTING_TAIL = 1024 * 1024;

export interface LoadSlotOptions {
  /** The runner user: ssh and rsync run as this user, with its key. */
  readonly user: UserInfo;
  readonly host: StorageHost;
  readonly keyFile: string;
  /** CI_STORAGE_DIR: the storage root on the host. */
  readonly storageRoot: string;
  /** GH_REPOSITORY, owner/repo. */
  readonly repository: string;
  /** The checkout dir to fill; it exists and belongs to `user`. */
  readonly localDir: string;
  readonly timeoutSec: number;
  /** Aborted at shutdown: the transfer is killed, nothing is cleaned or written. */
  readonly stopping: AbortSignal;
  readonly log: Logger;
  /** Environment of ssh and rsync (no secrets). */
  readonly env: Record<string, string>;
  readonly progressIntervalMs?: number;
  readonly connectTimeoutSec?: number;
  readonly maxAgeSec?: number;
  /** Appended to rsync's arguments (tests and benchmarks: --bwlimit). */
  readonly extraRsyncArgs?: readonly string[];
  /** Where the local meta file goes (default /tmp, as the tool), and the shared ssh connection's socket dir (the user must be able to enter it). */
  readonly tmpDir?: string;
  /** Called with every progress sample (for the state file). */
  readonly onProgress?: (slot: string, progress: RsyncProgress) => void;
  /**
   * Makes the give-up signal for `timeoutSec` (default AbortSignal.timeout).
   * Tests hand in their own to give up at a step they choose, never by racing a clock.
   */
  readonly deadline?: (ms: number) => AbortSignal;
}

export type LoadOutcome =
  | { readonly kind: "loaded"; readonly slot: string; readonly size: number; readonly files: number; readonly seconds: number }
  | { readonly kind: "empty"; readonly expiring: number }
  | { readonly kind: "failed"; readonly cause: string }
  | { readonly kind: "timeout" }
  | { readonly kind: "stopped" };

/**
 * `ci-storage load --slot-id="*"` for a boot: lists the slots of the
 * checkout's storage dir over ssh (touching the newest), rsyncs the newest
 * into the checkout dir with the tool's flags, and writes the local meta
 * file so that a later `ci-storage store` links against the loaded slot.
 * Logs progress and one outcome line. Never throws; never runs longer than
 * `timeoutSec` plus a kill grace.
 */
export async function loadNewestSlot(opts: LoadSlotOptions): Promise<LoadOutcome> {
  try {
    return await load(opts);
  } catch (e) {
    // File system trouble here (a vanished checkout dir, a full /tmp) costs the warm start only.
    const cause = e instanceof Error ? e.message : String(e);
    opts.log.warn(`cannot load from ${opts.host.spec}: ${cause}; the runner starts cold`);
    return { kind: "failed", cause };
  }
}

async function load(opts: LoadSlotOptions): Promise<LoadOutcome> {
  const { log, host } = opts;
  const started = Date.now();
  const timeout = (opts.deadline ?? AbortSignal.timeout)(opts.timeoutSec * 1000);
  const signal = AbortSignal.any([opts.stopping, timeout]);
  const metaFile = localMetaPath(opts.localDir, opts.tmpDir);
  const writeMeta = (meta: SlotMeta) => writeOwnedFile(metaFile, serializeSlotMeta(meta), opts.user, 0o644);
  const startCold = (why: string): void => {
    emptyDir(opts.localDir);
    writeMeta(EMPTY_META);
    log.warn(`${why}; ${opts.localDir} cleaned, the runner starts cold`);
  };
  const interrupted = (partial: boolean): LoadOutcome => {
    if (opts.stopping.aborted) {
      log.info(`load from ${host.spec} stopped: shutting down`);
      return { kind: "stopped" };
    }
    const why = `gave up loading from ${host.spec} after ${opts.timeoutSec} s (CI_STORAGE_LOAD_TIMEOUT_SEC)`;
    if (partial) startCold(why);
    else log.warn(`${why}; the runner starts cold`);
    return { kind: "timeout" };
  };

  for (const tool of ["ssh", "rsync"]) {
    if (findExecutable(tool, opts.env.PATH) === undefined) {
      const cause = `${tool} is not installed here (not in PATH)`;
      log.warn(`cannot load from ${host.spec}: ${cause}; the runner starts cold`);
      return { kind: "failed", cause };
    }
  }

  const ssh = sshCommand(host, { keyFile: opts.keyFile, connectTimeoutSec: opts.connectTimeoutSec ?? 10 });
  const destination = sshDestination(host);
  const mux = openSshMux(opts.user, opts.tmpDir);
  try {
    const storageDir = storageDirFor(opts.storageRoot, opts.repository, realpathSync(opts.localDir));
    // Its ssh starts the shared connection's master, which stays in the background
    // (output on /dev/null): the listing is over when its ssh exits.
    const listing = await runProcess(ssh[0] as string, [...ssh.slice(1), ...mux.master, destination, listSlotsCommand(storageDir)], {
      user: opts.user,
      env: opts.env,
      cancelSignal: signal,
      tail: LISTING_TAIL,
      leavesBackground: true,
    });
    if (listing.canceled) return interrupted(false);
    if (listing.code !== 0) {
      const cause = failureCause(listing.stderr, listing.code);
      log.warn(`cannot list slots on ${host.spec}: ${cause}; the runner starts cold`);
      return { kind: "failed", cause };
    }
    for (const line of listing.stderr.split("\n")) if (line.trim()) log.warn(`${host.spec}: ${line.trim()}`);

    const { slot, expiring } = chooseSlot(parseSlotListing(listing.stdout), opts.maxAgeSec ?? DEFAULT_MAX_AGE_SEC);
    if (slot === undefined) {
      emptyDir(opts.localDir);
      writeMeta(EMPTY_META);
      const skipped = expiring > 0 ? ` (${expiring} about to expire, skipped)` : "";
      log.info(`no slot to load in ${host.spec}:${storageDir}${skipped}; ${opts.localDir} is empty`);
      return { kind: "empty", expiring };
    }

    log.info(`loading slot ${slot.id} (${slot.ageSec} s old) from ${host.spec}:${storageDir} into ${opts.localDir}`);
    const result = await transfer(opts, [...ssh, ...mux.client], `${destination}:${storageDir}/${slot.id}`, slot, signal);
    if (result.canceled) return interrupted(true);
    if (result.code !== 0) {
      const cause = failureCause(result.stderr, result.code);
      startCold(`cannot load slot ${slot.id} from ${host.spec}: ${cause}`);
      return { kind: "failed", cause };
    }
    // The rename is the commit point: a stop before it leaves the old file, never half of one.
    writeMeta(metaAfterLoad(slot.id, slot.meta));
    const seconds = (Date.now() - started) / 1000;
    const { totalSize, regularFiles: files, transferredSize } = result.stats;
    log.info(
      `loaded slot ${slot.id} from ${host.spec}: ${formatSize(totalSize)}, ${formatCount(files)} files, ` +
        `${seconds.toFixed(1)} s (${formatSize(transferredSize)} transferred)`,
    );
    return { kind: "loaded", slot: slot.id, size: totalSize, files, seconds };
  } finally {
    await mux.close(ssh, destination, { user: opts.user, env: opts.env });
  }
}

/** The rsync run, with a progress line every interval. */
async function transfer(opts: LoadSlotOptions, ssh: string[], source: string, slot: SlotInfo, signal: AbortSignal) {
  const output = new RsyncOutput();
  const asRoot = opts.user.uid === 0;
  const emptyDestination = isEmpty(opts.localDir);
  const args = rsyncLoadArgs({ ssh, source, localDir: opts.localDir, asRoot, emptyDestination, extra: opts.extraRsyncArgs });
  // Its stdout (a progress update per file) is read at each interval, not as written; closed by the finally below.
  const stdout = new RsyncOutputFile(opts.tmpDir);
  let last = { at: Date.now(), bytes: 0 };
  const timer = setInterval(() => {
    const now = Date.now();
    output.feed(stdout.readNew());
    const { bytes, files } = output.latest;
    const rate = ((bytes - last.bytes) * 1000) / Math.max(1, now - last.at);
    last = { at: now, bytes };
    opts.log.info(`loading slot ${slot.id}: ${formatSize(bytes)}, ${formatCount(files)} files so far, ${formatSize(rate)}/s`);
    opts.onProgress?.(slot.id, output.latest);
  }, opts.progressIntervalMs ?? 5000);
  try {
    const run = await runProcess("rsync", args, { user: opts.user, env: opts.env, cancelSignal: signal, stdoutFd: stdout.fd });
    output.feed(stdout.readNew());
    return { ...run, stats: output.stats() };
  } finally {
    clearInterval(timer);
    stdout.close();
  }
}

/** True when `dir` has no entries; false when it cannot be read (the load then keeps rsync's safe defaults). */
function isEmpty(dir: string): boolean {
  try {
    const d = opendirSync(dir);
    try {
      return d.readSync() === null;
    } finally {
      d.closeSync();
    }
  } catch {
    return false;
  }
}
