/** What the host's cap needs of each controller: its runner count, and a nudge when a slot frees. */
export interface SlotHolder {
  readonly runnerCount: number;
  scaleSoon(): void;
}

/**
 * MAX_RUNNERS of the environment over every entry of REPOS_CONFIG_FILE:
 * each entry has its own cap (max_runners), and together they never hold
 * more containers than the host's. A runner that leaves wakes the entries
 * that were held back by the host's cap, so a freed slot goes to whichever
 * still has demand.
 */
export class HostSlots {
  readonly max: number;
  readonly #holders = new Set<SlotHolder>();
  readonly #waiting = new Set<SlotHolder>();

  constructor(max: number) {
    this.max = max;
  }

  join(h: SlotHolder): void {
    this.#holders.add(h);
  }

  /** An entry whose runners are all gone (removed from REPOS_CONFIG_FILE and drained). */
  leave(h: SlotHolder): void {
    this.#holders.delete(h);
    this.#waiting.delete(h);
    this.freed();
  }

  get used(): number {
    let n = 0;
    for (const h of this.#holders) n += h.runnerCount;
    return n;
  }

  /** Slots `h` may fill now; remembers it when that is fewer than it wants, to wake it later. */
  free(h: SlotHolder, wanted: number): number {
    const free = Math.max(0, this.max - this.used);
    if (wanted > free) this.#waiting.add(h);
    return free;
  }

  /** A runner left: the entries held back look again. */
  freed(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const h of waiting) h.scaleSoon();
  }
}
