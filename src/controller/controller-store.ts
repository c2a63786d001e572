import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/config-error.ts";
import { makeDirs } from "../fs/make-dirs.ts";
import { replaceDurably, writeDurably } from "../fs/write-durably.ts";
import type { JobRecord } from "./job-book.ts";
import type { SavedRepositories } from "./repository-book.ts";

/** What survives a restart: the demand, and what was started for it. */
export interface SavedState extends SavedRepositories {
  readonly version: 1;
  readonly controllerId: string;
  readonly savedAt: string;
  readonly jobs: readonly JobRecord[];
  readonly runners: readonly { readonly name: string; readonly runnerId: number | undefined; readonly containerId: string | undefined; readonly startedAt: number }[];
}

/** State is written at most this often: a burst of deliveries is one write, not hundreds. */
const SAVE_EVERY_MS = 200;

/**
 * DATA_DIR/controller-state.json, replaced atomically (written to a
 * temporary file, flushed, renamed over): a crash leaves the old state or
 * the new one, never half of either.
 */
export class ControllerStore {
  readonly file: string;
  #timer: NodeJS.Timeout | undefined;
  #last = 0;

  /** Throws ConfigError naming DATA_DIR when it cannot be created or written. `name`: one file per REPOS_CONFIG_FILE entry. */
  constructor(dataDir: string, name = "controller-state.json") {
    this.file = join(dataDir, name);
    try {
      makeDirs(dataDir);
      writeDurably(`${this.file}.probe`, "");
      unlinkSync(`${this.file}.probe`);
    } catch (e) {
      throw new ConfigError("DATA_DIR", `cannot write in ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (mount a volume there)`);
    }
  }

  /** The saved state, undefined when there is none; a file that cannot be understood is reported and ignored. */
  load(controllerId: string): { state: SavedState | undefined; problem: string | undefined } {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: undefined, problem: undefined };
      return { state: undefined, problem: `cannot read ${this.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
    try {
      const state = JSON.parse(text) as SavedState;
      if (state?.version !== 1 || !Array.isArray(state.jobs)) return { state: undefined, problem: `${this.file} is not a state this version knows` };
      if (state.controllerId !== controllerId) {
        return { state: undefined, problem: `${this.file} belongs to controller ${state.controllerId}, not ${controllerId}: not used` };
      }
      return { state, problem: undefined };
    } catch {
      return { state: undefined, problem: `${this.file} is not valid JSON (ignored; GitHub and Docker are asked instead)` };
    }
  }

  /** Saves `snapshot()` soon, at most every SAVE_EVERY_MS; `onError` hears a failed write. */
  saveSoon(snapshot: () => SavedState, onError: (e: Error) => void): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.save(snapshot());
      } catch (e) {
        onError(e as Error);
      }
    }, Math.max(0, this.#last + SAVE_EVERY_MS - Date.now()));
  }

  /** Drops a save that saveSoon scheduled. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets the state (an entry removed from REPOS_CONFIG_FILE, drained). */
  remove(): void {
    this.cancel();
    try {
      unlinkSync(this.file);
    } catch {
      // Never written, or already gone.
    }
  }

  save(state: SavedState): void {
    this.cancel();
    this.#last = Date.now();
    replaceDurably(this.file, JSON.stringify(state) + "\n");
  }
}
