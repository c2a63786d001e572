/** What the host's cap needs of each controller: its runner count, and a nudge when a slot frees. */
export interface SlotHolder {
  readonly runnerCount: number;
  /** Its runners on their way out (stopping): slots that free without asking. */
  readonly leavingCount: number;
  scaleSoon(): void;
  /** Stops one idle runner beyond its own pending jobs (a warm one) for `why`; false when it has none. */
  yieldIdle(why: string): boolean;
}

/**
 * MAX_RUNNERS of the environment over every entry of REPOS_CONFIG_FILE:
 * each entry has its own cap (max_runners), and together they never hold
 * more containers than the host's. A runner that leaves wakes the entries
 * that were held back by the host's cap, so a freed slot goes to whichever
 * still has demand. Queued jobs come before warm runners: an entry held
 * with pending jobs takes slots back from other entries' idle warm ones.
 */
export class HostSlots {
  readonly max: number;
  readonly #holders = new Set<SlotHolder>();
  readonly #waiting = new Set<SlotHolder>();
  /** Entries held with pending jobs no runner of theirs will take: how many slots they wait for. */
  readonly #owed = new Map<SlotHolder, number>();

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
    this.#owed.delete(h);
    this.freed();
  }

  get used(): number {
    let n = 0;
    for (const h of this.#holders) n += h.runnerCount;
    return n;
  }

  /**
   * Slots `h` may fill now for `wanted` runners, `forJobs` of them for its
   * pending jobs; remembers it when that is fewer than it wants, to wake it
   * later. Slots owed to other entries' waiting jobs (see reclaim) go to
   * jobs only: a warm runner never takes back the slot another one yielded.
   */
  free(h: SlotHolder, wanted: number, forJobs = wanted): number {
    this.#owed.delete(h);
    let owed = 0;
    for (const n of this.#owed.values()) owed += n;
    const free = Math.max(0, this.max - this.used);
    const jobs = Math.min(forJobs, free);
    const grant = jobs + Math.min(wanted - jobs, Math.max(0, free - jobs - owed));
    if (wanted > grant) this.#waiting.add(h);
    return grant;
  }

  /**
   * `h` is held with `short` pending jobs that no runner of its own will
   * take: other entries stop idle runners beyond their own pending jobs,
   * one per job not already covered by a runner on its way out. Their
   * leaving frees the slots (freed() wakes `h`); a busy runner is never asked.
   */
  reclaim(h: SlotHolder, short: number, why: string): void {
    this.#owed.set(h, short);
    let leaving = 0;
    for (const o of this.#holders) leaving += o.leavingCount;
    for (let asked = true; asked && leaving < short; ) {
      asked = false;
      for (const o of this.#holders) {
        if (leaving >= short) return;
        if (o !== h && o.yieldIdle(why)) [leaving, asked] = [leaving + 1, true];
      }
    }
  }

  /** A runner left: the entries held back look again. */
  freed(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const h of waiting) h.scaleSoon();
  }
}
