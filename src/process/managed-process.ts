import type { ChildProcess } from "node:child_process";
import type { UserInfo } from "../config/lookup-user.ts";
import type { Logger } from "../log/logger.ts";
import { signalExitCode } from "../pid1/exit-code.ts";
import { relayLines } from "./relay-lines.ts";
import { signalGroup } from "./signal-group.ts";
import { spawnAs } from "./spawn-as.ts";

export interface ExitInfo {
  /** The exit code, or 128 + signal when killed by one. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** Relays each output line (stdout and stderr). */
  readonly onLine: (line: string, stream: "stdout" | "stderr") => void;
  readonly log: Logger;
  /** Aborting it stops the process group: SIGTERM, then SIGKILL after 5 s. */
  readonly stopOn?: AbortSignal;
}

/** A child in its own process group, its output relayed line by line. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  #done = false;

  constructor(user: UserInfo, command: string, args: readonly string[], opts: ManagedOptions) {
    this.child = spawnAs(user, command, args, { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] }, (m) =>
      opts.log.warn(m),
    );
    relayLines(this.child.stdout, (l) => opts.onLine(l, "stdout"));
    relayLines(this.child.stderr, (l) => opts.onLine(l, "stderr"));
    const stopOn = opts.stopOn;
    const onStop = () => void this.terminate("SIGTERM", 5000);
    stopOn?.addEventListener("abort", onStop, { once: true });
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once("error", (e: NodeJS.ErrnoException) => {
        opts.log.error(`cannot start ${command}: ${e.code ?? e.message}`);
        this.#done = true;
        resolve({ code: 127, signal: null });
      });
      this.child.once("exit", (code, signal) => {
        this.#done = true;
        resolve({ code: code ?? (signal ? signalExitCode(signal) : 1), signal });
      });
    }).finally(() => stopOn?.removeEventListener("abort", onStop));
  }

  get running(): boolean {
    return !this.#done;
  }

  /** Signals the whole process group (a `bash run.sh` wrapper must not swallow it). */
  signalGroup(signal: NodeJS.Signals): void {
    if (signalGroup(this.child.pid, signal) || !this.running) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** `signal` to the group, then SIGKILL after `graceMs` if it is still running. */
  async terminate(signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}
