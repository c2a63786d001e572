import { shellJoin } from "./shell-quote.ts";

/**
 * rsync arguments of a load, with the ci-storage tool's transfer flags (the
 * same -a, --partial, --delete, nanosecond mtimes, meta file excluded, and
 * --fake-super on the remote side when run as root), so that what lands
 * locally is what `ci-storage load` would leave. Output flags differ: exact
 * numbers (no --human-readable) and --info=progress2 for progress lines.
 *
 * Into an empty destination (a fresh container: nothing there at the load's
 * start) rsync writes each file in place (--inplace) instead of to a temp
 * name renamed at the end, and skips --delete: with no existing file there
 * is nothing a temp file protects and nothing to delete, and the temp name,
 * its rename and --delete's scan of each new dir cost system time on every
 * file. A stopped load leaves the same (--partial keeps a partial file under
 * its own name either way). Never into a non-empty destination: a file there
 * may be a hard link (a job's pnpm store) that --inplace would write through.
 */
export function rsyncLoadArgs(opts: {
  readonly ssh: readonly string[];
  readonly source: string;
  readonly localDir: string;
  readonly asRoot: boolean;
  /** The destination held nothing when the load started. */
  readonly emptyDestination?: boolean;
  readonly extra?: readonly string[];
}): string[] {
  return [
    "-e",
    shellJoin(opts.ssh),
    "-a",
    "--partial",
    "--stats",
    "--modify-window=-1",
    ...(opts.emptyDestination ? ["--inplace"] : ["--delete"]),
    "--exclude=.ci-storage.meta",
    ...(opts.asRoot ? ["--rsync-path=rsync --fake-super"] : []),
    "--info=progress2",
    ...(opts.extra ?? []),
    `${opts.source.replace(/\/+$/, "")}/`,
    `${opts.localDir.replace(/\/+$/, "")}/`,
  ];
}
