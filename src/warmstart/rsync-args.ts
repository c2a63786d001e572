import { shellJoin } from "./shell-quote.ts";

/**
 * rsync arguments of a load, with the ci-storage tool's transfer flags (the
 * same -a, --partial, --delete, nanosecond mtimes, meta file excluded, and
 * --fake-super on the remote side when run as root), so that what lands
 * locally is what `ci-storage load` would leave. Output flags differ: exact
 * numbers (no --human-readable) and --info=progress2 for progress lines.
 */
export function rsyncLoadArgs(opts: {
  readonly ssh: readonly string[];
  readonly source: string;
  readonly localDir: string;
  readonly asRoot: boolean;
  readonly extra?: readonly string[];
}): string[] {
  return [
    "-e",
    shellJoin(opts.ssh),
    "-a",
    "--partial",
    "--stats",
    "--modify-window=-1",
    "--delete",
    "--exclude=.ci-storage.meta",
    ...(opts.asRoot ? ["--rsync-path=rsync --fake-super"] : []),
    "--info=progress2",
    ...(opts.extra ?? []),
    `${opts.source.replace(/\/+$/, "")}/`,
    `${opts.localDir.replace(/\/+$/, "")}/`,
  ];
}
