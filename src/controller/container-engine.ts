/** Labels on every runner container, naming the controller that owns it and its registration. */
export const LABEL_CONTROLLER = "ci-runner.controller";
export const LABEL_RUNNER_NAME = "ci-runner.runner-name";
export const LABEL_RUNNER_ID = "ci-runner.runner-id";
/** The REPOS_CONFIG_FILE entry a runner serves (absent in the single-scope mode): a restart puts it back there. */
export const LABEL_ENTRY = "ci-runner.entry";

/** A runner container as the engine reports it. */
export interface RunnerContainer {
  readonly id: string;
  readonly runnerName: string;
  readonly runnerId: number | undefined;
  /** Its LABEL_ENTRY, if any. */
  readonly entry: string | undefined;
  /** "running", or anything else (created, exited, dead...): not running. */
  readonly running: boolean;
  /** Ended: "exited" or "dead"; not one still being created, paused or being removed. */
  readonly ended: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** What a runner container is made of; the JIT config travels separately (a file, never the environment). */
export interface RunnerContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** Files put in the container with its JIT config, root-only, by absolute path: secrets kept out of `env`. */
  readonly secretFiles: Readonly<Record<string, string>>;
  readonly binds: readonly string[];
  readonly network: string | undefined;
  readonly privileged: boolean;
  readonly runtime: string | undefined;
}

/** What `start` rejects with when the runner image is not on the host. */
export class NoSuchImage extends Error {
  constructor(readonly image: string) {
    super(`no such image: ${image}`);
  }
}

/** Receives a container's output lines and, once, its end. */
export interface ContainerWatcher {
  onLine(line: string): void;
  /** Exit code, or undefined when the container was already gone. */
  onExit(code: number | undefined): void;
  /**
   * The engine's wait for the exit was lost while the container may still run (the connection dropped: a daemon
   * restarted with live-restore, a socket proxy): the container is being looked at again, and followed anew
   * (its output replayed from the start) while it is there. Said once per loss.
   */
  onLost?(why: string): void;
}

/**
 * The Docker side of the controller, small enough for a fake in tests.
 * Containers remove themselves when they exit (AutoRemove): their output
 * and exit code are watched from before their start, so that even a
 * container that dies at once is reported with its last lines.
 */
export interface ContainerEngine {
  /** The runner containers that carry `LABEL_CONTROLLER=controllerId`, running or not. */
  list(controllerId: string): Promise<RunnerContainer[]>;
  /**
   * Creates the container, puts the JIT config at JIT_CONFIG_PATH
   * (read-only, root only), attaches `watcher`, starts it. Returns its id
   * and the function that stops watching. Once `deadline` aborts it gives
   * up (a hung engine), removing what it made. Rejects with NoSuchImage
   * when the image is not on the host: see pullImage.
   */
  start(spec: RunnerContainerSpec, jitConfig: string, watcher: ContainerWatcher, deadline: AbortSignal): Promise<{ id: string; unwatch: () => void }>;
  /**
   * Pulls `image`, calling `progress` on each progress message of the
   * engine; `signal` ends the request (the engine then cancels the pull).
   */
  pull(image: string, progress: () => void, signal: AbortSignal): Promise<void>;
  /** Watches a running container (adopted after a restart) from its first line. Returns the function that stops watching. */
  follow(id: string, watcher: ContainerWatcher): () => void;
  /** Sends a signal to the container's PID 1 (the supervisor). */
  kill(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Removes it, running or not; a container already gone is not an error. */
  remove(id: string): Promise<void>;
}
