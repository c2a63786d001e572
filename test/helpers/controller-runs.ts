import type { RunningController } from "../../src/controller/run-controller.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A controller under test across its restarts: each run gets its own stop
 * signal; the graceful stop (as on SIGTERM), the crash (what SIGKILL
 * leaves: no save, no runner stopped) and a new run, and the teardown.
 */
export class ControllerRuns {
  #running: RunningController | undefined;
  #stopCtl = new AbortController();
  readonly #boot: (stopping: AbortSignal, extraEnv: Record<string, string>) => Promise<RunningController>;

  constructor(boot: (stopping: AbortSignal, extraEnv: Record<string, string>) => Promise<RunningController>) {
    this.#boot = boot;
  }

  get running(): RunningController {
    if (!this.#running) throw new Error("no controller started");
    return this.#running;
  }

  async start(extraEnv: Record<string, string> = {}): Promise<RunningController> {
    this.#running = await this.#boot(this.#stopCtl.signal, extraEnv);
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopCtl.abort();
    await this.running.shutdown();
  }

  async crashAndRestart(extraEnv: Record<string, string> = {}): Promise<void> {
    this.#stopCtl.abort();
    this.running.halt();
    this.#stopCtl = new AbortController();
    await this.start(extraEnv);
  }

  /** At the end of `t`: the stop (unless the test stopped it), the halt, then `cleanup`. */
  teardown(t: Teardown, cleanup: () => Promise<void>): void {
    t.teardown(async () => {
      if (!this.#stopCtl.signal.aborted) await this.stop().catch(() => undefined);
      this.#running?.halt();
      await cleanup();
    });
  }
}
