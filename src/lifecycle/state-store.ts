import { renameSync, writeFileSync } from "node:fs";
import { makeDirs } from "../fs/make-dirs.ts";
import { isoTime } from "../log/iso-time.ts";
import { dirname } from "node:path";

/** `serving`: the controller (`ci-runner controller`) answers webhooks. */
export type RunnerState = "booting" | "registering" | "idle" | "busy" | "draining" | "serving" | "stopped" | "failed";

/** What `ci-runner health` and people read: one JSON file, replaced atomically. */
export interface State {
  pid: number;
  startedAt: string;
  updatedAt: string;
  state: RunnerState;
  runnerName?: string;
  runnerId?: number;
  currentJob?: string;
  listeningSince?: string;
  jobsCompleted: number;
  /** Free-form sections owned by phases (forward counters, warm start result). */
  sections: Record<string, unknown>;
}

export class StateStore {
  readonly #file: string | undefined;
  readonly #state: State;
  #timer: NodeJS.Timeout | undefined;
  /** Told of the first failed write only: the file is rewritten at every change. */
  #warn: ((line: string) => void) | undefined;

  constructor(file: string | undefined, warn?: (line: string) => void) {
    this.#file = file;
    this.#warn = warn;
    const now = isoTime();
    this.#state = { pid: process.pid, startedAt: now, updatedAt: now, state: "booting", jobsCompleted: 0, sections: {} };
    this.flush();
  }

  get(): Readonly<State> {
    return this.#state;
  }

  update(patch: Partial<Omit<State, "sections">>): void {
    Object.assign(this.#state, patch);
    this.flush();
  }

  /** For counters that change often: written at most once a second. */
  setSection(name: string, value: unknown): void {
    this.#state.sections[name] = value;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, 1000).unref();
  }

  flush(): void {
    if (!this.#file) return;
    this.#state.updatedAt = isoTime();
    try {
      makeDirs(dirname(this.#file));
      const tmp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.#state, null, 2) + "\n");
      renameSync(tmp, this.#file);
    } catch (e) {
      // A read-only or missing /run must not stop a runner; health then reports it unhealthy, which the line explains.
      this.#warn?.(`CI_RUNNER_STATE_FILE: cannot write ${this.#file} (${(e as NodeJS.ErrnoException).code ?? String(e)}): \`ci-runner health\` reports this runner unhealthy`);
      this.#warn = undefined;
    }
  }
}
