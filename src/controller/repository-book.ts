/**
 * GitHub cancels a job left queued this long, so a repository without a delivery for longer holds no queued job
 * that a delivery announced: its listing can only find one whose `queued` delivery was lost.
 */
export const ACTIVE_MS = 24 * 3600_000;

/**
 * Repositories quiet for longer than ACTIVE_MS listed per reconciliation, in turn. Each listing costs two calls
 * and one per active run: listing every repository an organization ever sent a delivery from, at every
 * reconciliation, spends a PAT's 5,000 calls an hour with about 40 of them, and the rate-limit waits then hold
 * up the runners' JIT configs too. With these in turn, a lost delivery in a quiet repository is found within
 * (quiet repositories / DORMANT_PER_PASS) reconciliations instead of one.
 */
export const DORMANT_PER_PASS = 2;

/** What the state file keeps of the book. */
export interface SavedRepositories {
  readonly repositories: readonly string[];
  /** Last activity of each (epoch ms); missing in state files of earlier versions. */
  readonly repositoryActivity?: Readonly<Record<string, number>>;
}

/**
 * The repositories where an organization's or enterprise's queued jobs are looked for (the ones deliveries came
 * from), each with its last activity: a delivery of ours, or a listing that found a queued job of ours.
 */
export class RepositoryBook {
  readonly #lastActive = new Map<string, number>();
  #turn = 0;

  static from(saved: SavedRepositories, now: number): RepositoryBook {
    const book = new RepositoryBook();
    // Unknown activity (a state file of an earlier version): active, as every repository was listed then.
    for (const name of saved.repositories) book.note(name, saved.repositoryActivity?.[name] ?? now);
    return book;
  }

  note(name: string, at: number): void {
    const was = this.#lastActive.get(name);
    if (was === undefined || at > was) this.#lastActive.set(name, at);
  }

  /**
   * The repositories a reconciliation at `now` lists: each active within ACTIVE_MS or with a job still pending
   * (`pending`: their names in lower case), and the next DORMANT_PER_PASS of the others, in turn.
   */
  due(now: number, pending: ReadonlySet<string>): string[] {
    const listed: string[] = [];
    const dormant: string[] = [];
    for (const [name, at] of this.#lastActive) (now - at < ACTIVE_MS || pending.has(name.toLowerCase()) ? listed : dormant).push(name);
    const take = Math.min(DORMANT_PER_PASS, dormant.length);
    for (let i = 0; i < take; i++) listed.push(dormant[(this.#turn + i) % dormant.length] as string);
    this.#turn = dormant.length === 0 ? 0 : (this.#turn + take) % dormant.length;
    return listed;
  }

  forget(name: string): void {
    this.#lastActive.delete(name);
  }

  get size(): number {
    return this.#lastActive.size;
  }

  toJSON(): SavedRepositories {
    return { repositories: [...this.#lastActive.keys()], repositoryActivity: Object.fromEntries(this.#lastActive) };
  }
}
