import { shellJoin } from "./shell-quote.ts";
import type { SlotMeta } from "./slot-meta.ts";

/** One slot as the storage host reports it. */
export interface SlotInfo {
  readonly id: string;
  /** Seconds since the slot directory's inode ctime (before this listing touched it). */
  readonly ageSec: number;
  readonly meta: SlotMeta;
}

/**
 * Slots older than this (the ci-storage tool's default --storage-max-age-sec,
 * which the action passes on when its input is empty) may be collected.
 */
export const DEFAULT_MAX_AGE_SEC = 1800;
/** Slots this close to the max age are skipped: collection could delete them mid-transfer. */
export const EXPIRY_MARGIN_SEC = 60;

// Runs on the storage host (perl: the ci-storage tool needs it there too).
// Prints `age<TAB>id<TAB>history<TAB>hints` per slot, newest first (ties: id
// descending), skips ids with a dot (`.tmp.`/`.bak.`), and touches the newest
// so that garbage collection keeps it for a while. No storage dir: no slots.
const LIST_SCRIPT = String.raw`
use strict;
my $dir = shift;
opendir(my $dh, $dir) or do { exit(0) if !-e $dir; die("cannot read $dir: $!\n") };
my $now = time();
my @slots;
for my $id (readdir($dh)) {
  next if $id =~ /\./;
  my $path = "$dir/$id";
  next unless -d $path;
  my $age = $now - (stat(_))[10];
  my %m = (full_snapshot_history => "", hints => "");
  if (open(my $fh, "<", "$path/.ci-storage.meta")) {
    while (my $l = <$fh>) { $m{$1} = join(" ", split(" ", $2)) if $l =~ /^\s*(full_snapshot_history|hints)\s*=(.*)$/; }
    close($fh);
  }
  push(@slots, [$age, $id, $m{full_snapshot_history}, $m{hints}]);
}
@slots = sort { $a->[0] <=> $b->[0] or $b->[1] cmp $a->[1] } @slots;
if (@slots) { utime(undef, undef, "$dir/$slots[0][1]") or print STDERR "cannot touch $dir/$slots[0][1]: $!\n"; }
print(join("\t", @$_), "\n") for @slots;
`;

/** The remote command line (for `ssh host <command>`) that lists the slots of `storageDir`. */
export function listSlotsCommand(storageDir: string): string {
  return shellJoin(["perl", "-e", LIST_SCRIPT.trim(), "--", storageDir]);
}

/** Parses the listing; lines that do not fit are ignored. */
export function parseSlotListing(stdout: string): SlotInfo[] {
  const slots: SlotInfo[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^(-?\d+)\t([^\t]+)\t([^\t]*)\t([^\t]*)$/.exec(line);
    if (!m) continue;
    slots.push({
      id: m[2] as string,
      ageSec: Number(m[1]),
      meta: { fullSnapshotHistory: (m[3] as string).split(" ").filter(Boolean), hints: (m[4] as string).split(" ").filter(Boolean) },
    });
  }
  return slots;
}

export interface SlotChoice {
  readonly slot: SlotInfo | undefined;
  /** Slots left out because they are about to expire. */
  readonly expiring: number;
}

/**
 * What `load --slot-id="*"` without hints picks: the newest slot that is not
 * temporary, not a backup and not within EXPIRY_MARGIN_SEC of `maxAgeSec`.
 */
export function chooseSlot(slots: readonly SlotInfo[], maxAgeSec = DEFAULT_MAX_AGE_SEC): SlotChoice {
  const usable = slots.filter((s) => !s.id.includes("."));
  const fresh = usable
    .filter((s) => s.ageSec < maxAgeSec - EXPIRY_MARGIN_SEC)
    .sort((a, b) => a.ageSec - b.ageSec || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { slot: fresh[0], expiring: usable.length - fresh.length };
}
