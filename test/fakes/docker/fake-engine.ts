import { EventEmitter } from "node:events";
import {
  LABEL_CONTROLLER,
  LABEL_ENTRY,
  LABEL_RUNNER_ID,
  LABEL_RUNNER_NAME,
  NoSuchImage,
  type ContainerEngine,
  type ContainerWatcher,
  type RunnerContainer,
  type RunnerContainerSpec,
} from "../../../src/controller/container-engine.ts";
import { whenAborted } from "../../../src/lifecycle/when-aborted.ts";
import type { FakeGitHub } from "../github/fake-github.ts";
import { connectListener, type TestListener } from "../github/test-listener.ts";

/** How a fake container behaves: a working runner, or one that fails in a given way. */
export type FakeBehavior = "runner" | "exit-at-once" | "never-listens";

export interface FakeContainer {
  readonly id: string;
  readonly spec: RunnerContainerSpec;
  /** What the controller put at the JIT config's path (never in `spec.env`). */
  readonly jitConfig: string;
  readonly createdAt: number;
  running: boolean;
  exitCode: number | undefined;
  readonly lines: string[];
  removed: boolean;
}

/** A pull the test drives: progress messages, then its end; `signal` is the controller's abort of its request. */
export interface FakePull {
  readonly image: string;
  readonly signal: AbortSignal;
  progress(): void;
  done(): void;
}

/** A message of the fake GitHub's runner protocol. */
type Message = { type?: string; jobId?: number; job?: { id: number; name: string; durationMs?: number; hold?: boolean } };

const ts = (): string => new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

/**
 * An in-memory Docker engine for the controller's tests. Each container
 * "runs the supervisor": it connects to the fake GitHub with the JIT config
 * it was given (the test listener), prints the relayed lines a real one
 * prints, takes one job, completes it after its `durationMs` (a held job
 * once the fake GitHub releases it) and exits 0;
 * SIGTERM while idle exits 143, while busy after the job. Emits "change" on
 * every state change, and remembers the most containers that ever existed at once.
 */
export class FakeEngine extends EventEmitter implements ContainerEngine {
  readonly containers = new Map<string, FakeContainer>();
  /** The most containers that existed at once (created, not yet removed). */
  peak = 0;
  /** Decides each new container's behavior (default: a working runner). */
  behavior: (spec: RunnerContainerSpec) => FakeBehavior = () => "runner";
  /** Images not on the host: `start` rejects with NoSuchImage until a pull of it is done. */
  readonly missingImages = new Set<string>();
  /** Every pull asked for; "pull" is emitted with each. */
  readonly pulls: FakePull[] = [];
  /** Makes `list` and `start` fail (an engine that went away). */
  down = false;
  /**
   * Containers whose removal, when they exit, is never reported (AutoRemove lost a race with another client's
   * `docker rm`): they stay listed, exited, and their `wait(removed)` answers only once `remove` takes them.
   */
  removalUnreported: (spec: RunnerContainerSpec) => boolean = () => false;
  /**
   * Containers whose exit is never reported: they exit and vanish (AutoRemove), but their `wait(removed)` never
   * answers (the engine restarted meanwhile, the stream lost): only a listing shows they are gone.
   */
  exitUnseen: (spec: RunnerContainerSpec) => boolean = () => false;
  /** While set, `start` waits for it before creating anything (a slow engine). */
  #gate: Promise<void> | undefined;
  readonly #gh: FakeGitHub;
  readonly #followers = new Map<string, Set<ContainerWatcher>>();
  readonly #listeners = new Map<string, TestListener>();
  readonly #terms = new Set<string>();
  #next = 1;

  constructor(gh: FakeGitHub) {
    super();
    this.setMaxListeners(0);
    this.#gh = gh;
  }

  /** Containers that exist (created and not removed). */
  alive(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => !c.removed);
  }

  async list(controllerId: string): Promise<RunnerContainer[]> {
    if (this.down) throw new Error("connect ENOENT /var/run/docker.sock");
    return this.alive()
      .filter((c) => c.spec.labels[LABEL_CONTROLLER] === controllerId)
      .map((c) => ({
        id: c.id,
        runnerName: c.spec.labels[LABEL_RUNNER_NAME] ?? c.spec.name,
        runnerId: Number(c.spec.labels[LABEL_RUNNER_ID]) || undefined,
        entry: c.spec.labels[LABEL_ENTRY],
        running: c.running,
        ended: !c.running,
        createdAt: c.createdAt,
      }));
  }

  /** Holds every `start` until the returned function is called; "start-held" is emitted for each one held. */
  hold(): () => void {
    let release = (): void => {};
    this.#gate = new Promise((resolve) => (release = resolve));
    return () => {
      this.#gate = undefined;
      release();
    };
  }

  async start(spec: RunnerContainerSpec, jitConfig: string, watcher: ContainerWatcher, deadline: AbortSignal): Promise<{ id: string; unwatch: () => void }> {
    if (this.#gate) {
      this.emit("start-held", spec.name);
      // As a hung pull: given up at the deadline, nothing created.
      const given = whenAborted(deadline).then(() => "deadline" as const);
      if ((await Promise.race([this.#gate, given])) === "deadline") throw new Error("the deadline passed");
    }
    if (this.down) throw new Error("connect ENOENT /var/run/docker.sock");
    if (this.missingImages.has(spec.image)) throw new NoSuchImage(spec.image);
    if (this.alive().some((c) => c.spec.name === spec.name)) throw new Error(`Conflict. The container name "/${spec.name}" is already in use`);
    const id = `fake${String(this.#next++).padStart(8, "0")}${"0".repeat(52)}`;
    const c: FakeContainer = { id, spec, jitConfig, createdAt: Date.now(), running: true, exitCode: undefined, lines: [], removed: false };
    this.containers.set(id, c);
    this.peak = Math.max(this.peak, this.alive().length);
    const unwatch = this.#attach(id, watcher);
    this.emit("change");
    void this.#run(c, this.behavior(spec));
    return { id, unwatch };
  }

  /** Waits for the test to drive it (see FakePull); the controller's abort rejects it, as the daemon cancels a pull whose client left. */
  pull(image: string, progress: () => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      const pull: FakePull = {
        image,
        signal,
        progress: () => void (signal.aborted || progress()),
        done: () => {
          this.missingImages.delete(image);
          resolve();
        },
      };
      this.pulls.push(pull);
      this.emit("pull", pull);
    });
  }

  follow(id: string, watcher: ContainerWatcher): () => void {
    const c = this.containers.get(id);
    // As `docker logs` of a container AutoRemove took: nothing, and the wait answers 404.
    if (!c || c.removed) {
      queueMicrotask(() => watcher.onExit(undefined));
      return () => {};
    }
    for (const l of c.lines) watcher.onLine(l);
    return this.#attach(id, watcher);
  }

  #attach(id: string, watcher: ContainerWatcher): () => void {
    const set = this.#followers.get(id) ?? new Set();
    set.add(watcher);
    this.#followers.set(id, set);
    return () => set.delete(watcher);
  }

  async kill(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const c = this.containers.get(id);
    if (!c || !c.running) return;
    if (signal === "SIGKILL") return this.#exit(c, 137);
    this.#terms.add(id);
    this.emit("change");
    // Idle: the supervisor stops the runner at once. Busy: the job finishes first (see #run).
    const l = this.#listeners.get(id);
    if (l && !c.lines.some((x) => x.includes("Running job:"))) await l.close();
  }

  async remove(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.removed) return;
    if (c.running) this.#exit(c, 137, true);
    else this.#removed(c);
  }

  /** Containers exit and vanish (AutoRemove) as the real ones do, unless removalUnreported says otherwise. */
  #exit(c: FakeContainer, code: number, removing = false): void {
    if (!c.running) return;
    c.running = false;
    c.exitCode = code;
    void this.#listeners.get(c.id)?.close();
    this.#listeners.delete(c.id);
    if (!removing && this.exitUnseen(c.spec)) {
      this.#followers.delete(c.id);
      c.removed = true;
      this.emit("change");
      return;
    }
    if (removing || !this.removalUnreported(c.spec)) return this.#removed(c);
    this.emit("change");
  }

  /** Gone: the watchers' `wait(removed)` answers with the exit code. */
  #removed(c: FakeContainer): void {
    for (const f of this.#followers.get(c.id) ?? []) f.onExit(c.exitCode);
    this.#followers.delete(c.id);
    c.removed = true;
    this.emit("change");
  }

  #print(c: FakeContainer, component: string, text: string): void {
    const line = `[${ts()}] ${component}: ${text}`;
    c.lines.push(line);
    for (const f of this.#followers.get(c.id) ?? []) f.onLine(line);
    this.emit("change");
  }

  /** A held job waits for the fake GitHub's release, polling as a busy runner does; false when the container went away first. */
  async #released(c: FakeContainer, listener: TestListener, jobId: number): Promise<boolean> {
    while (c.running) {
      const msg = (await listener.poll(1000).catch(() => undefined)) as Message | undefined;
      if (msg?.type === "release" && msg.jobId === jobId) return c.running;
    }
    return false;
  }

  async #run(c: FakeContainer, behavior: FakeBehavior): Promise<void> {
    await Promise.resolve();
    this.#print(c, "ci-runner", "ci-runner (fake engine) starting");
    if (behavior === "exit-at-once") {
      this.#print(c, "ci-runner", "error: the runner image is broken");
      return this.#exit(c, 1);
    }
    if (behavior === "never-listens") return;
    let listener: TestListener;
    try {
      listener = await connectListener(this.#gh, c.jitConfig);
    } catch (e) {
      this.#print(c, "ci-runner", `error: ${(e as Error).message}`);
      return this.#exit(c, 1);
    }
    if (!c.running) return void listener.close();
    this.#listeners.set(c.id, listener);
    this.#print(c, "runner", "Listening for Jobs");
    for (;;) {
      if (this.#terms.has(c.id)) return this.#exit(c, 143);
      let msg: Message | undefined;
      try {
        msg = (await listener.poll(1000)) as typeof msg;
      } catch {
        // The registration or the session is gone (deleted, or closed by SIGTERM).
        if (c.running) this.#print(c, "runner", "Runner registration has been deleted from the server");
        return this.#exit(c, this.#terms.has(c.id) ? 143 : 1);
      }
      if (!c.running) return;
      if (msg?.type !== "job" || !msg.job) continue;
      const job = msg.job;
      this.#print(c, "runner", `Running job: ${job.name}`);
      if (job.hold && !(await this.#released(c, listener, job.id))) return;
      await new Promise((r) => setTimeout(r, job.durationMs ?? 0));
      if (!c.running) return;
      await listener.complete(job.id, "Succeeded");
      this.#print(c, "runner", `Job ${job.name} completed with result: Succeeded`);
      return this.#exit(c, 0);
    }
  }
}
