import { randomUUID } from "node:crypto";

interface Session {
  id: string;
  runnerId: number;
  /** Long polls in flight: while one is open the listener is surely alive. */
  polling: number;
  lastSeen: number;
}

/**
 * Listener sessions: at most one per runner, as on GitHub. A session whose
 * listener stopped polling (crashed, SIGKILLed) lingers for `idleTimeoutMs`,
 * during which a new listener gets "A session for this runner already exists."
 * A busy runner's session lingers for `busyTimeoutMs`: GitHub abandons a job
 * only after its lock renewals have stopped for minutes, and a loaded machine
 * can stall a healthy listener between two polls for seconds.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(
    public idleTimeoutMs: number,
    public busyTimeoutMs: number,
    private readonly isBusy: (runnerId: number) => boolean,
  ) {}

  create(runnerId: number): string | "conflict" {
    this.sweep();
    for (const s of this.sessions.values()) if (s.runnerId === runnerId) return "conflict";
    const id = randomUUID();
    this.sessions.set(id, { id, runnerId, polling: 0, lastSeen: Date.now() });
    return id;
  }

  get(id: string): { runnerId: number } | undefined {
    const s = this.sessions.get(id);
    return s ? { runnerId: s.runnerId } : undefined;
  }

  delete(id: string): number | undefined {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    return s?.runnerId;
  }

  deleteForRunner(runnerId: number): void {
    for (const s of this.sessions.values()) if (s.runnerId === runnerId) this.sessions.delete(s.id);
  }

  /** Marks a poll in flight; returns the function that marks its end. */
  beginPoll(id: string): () => void {
    const s = this.sessions.get(id);
    if (!s) return () => {};
    s.polling++;
    s.lastSeen = Date.now();
    return () => {
      s.polling--;
      s.lastSeen = Date.now();
    };
  }

  touch(id: string): void {
    const s = this.sessions.get(id);
    if (s) s.lastSeen = Date.now();
  }

  /** Drops idle sessions (only runner `only`'s, when given); returns the runners that lost theirs. */
  sweep(now = Date.now(), only?: number): number[] {
    const gone: number[] = [];
    for (const s of this.sessions.values()) {
      if (only !== undefined && s.runnerId !== only) continue;
      const timeoutMs = this.isBusy(s.runnerId) ? this.busyTimeoutMs : this.idleTimeoutMs;
      if (s.polling === 0 && now - s.lastSeen > timeoutMs) {
        this.sessions.delete(s.id);
        gone.push(s.runnerId);
      }
    }
    return gone;
  }

  hasSession(runnerId: number): boolean {
    for (const s of this.sessions.values()) if (s.runnerId === runnerId) return true;
    return false;
  }
}
