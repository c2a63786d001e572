/** What a slot's `.ci-storage.meta` (and the local meta file) holds. */
export interface SlotMeta {
  /** Slot ids this content came from, newest first. */
  readonly fullSnapshotHistory: readonly string[];
  readonly hints: readonly string[];
}

/** The tool keeps at most this many ids in full_snapshot_history. */
export const MAX_FULL_SNAPSHOT_HISTORY = 10;

export const EMPTY_META: SlotMeta = { fullSnapshotHistory: [], hints: [] };

function words(value: string): string[] {
  return [...new Set(value.split(/\s+/).filter(Boolean))];
}

/** Parses the env-like format (`key=space separated values` per line); unknown keys are ignored. */
export function parseSlotMeta(text: string): SlotMeta {
  let fullSnapshotHistory: string[] = [];
  let hints: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^=]+)=(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] as string).trim();
    if (key === "full_snapshot_history") fullSnapshotHistory = words(m[2] as string);
    else if (key === "hints") hints = words(m[2] as string);
  }
  return { fullSnapshotHistory, hints };
}

/** The exact text the ci-storage tool writes: two lines, ids unique, history capped. */
export function serializeSlotMeta(meta: SlotMeta): string {
  const history = [...new Set(meta.fullSnapshotHistory)].slice(0, MAX_FULL_SNAPSHOT_HISTORY);
  return `full_snapshot_history=${history.join(" ")}\nhints=${[...new Set(meta.hints)].join(" ")}\n`;
}

/**
 * The local meta after loading `slotId` whose own meta is `slotMeta`: the id
 * goes first in the history, so that a later `store` uses `--link-dest` to it.
 */
export function metaAfterLoad(slotId: string, slotMeta: SlotMeta): SlotMeta {
  return { fullSnapshotHistory: [slotId, ...slotMeta.fullSnapshotHistory], hints: slotMeta.hints };
}
