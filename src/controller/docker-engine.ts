import Docker from "dockerode";
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
} from "./container-engine.ts";
import { dockerMessage, dockerStatus } from "./docker-error.ts";
import { jitArchive } from "./jit-archive.ts";
import { watchContainer, type Destroyable } from "./watch-container.ts";
import { backoffMs } from "../lifecycle/retry.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";

/** "Already gone" and "already stopping/being removed": what kill and remove may meet in a race with the container's exit. */
const GONE = new Set([404, 409]);


/**
 * The Docker Engine API through dockerode, over /var/run/docker.sock or
 * DOCKER_HOST (docker-modem reads it, TLS variables included).
 */
export class DockerEngine implements ContainerEngine {
  readonly #docker: Docker;

  constructor(docker: Docker = new Docker()) {
    this.#docker = docker;
  }

  /** The engine's version: the controller's first call, so an unreachable engine is one clear line. */
  async version(): Promise<string> {
    const v = await this.#docker.version();
    return v.Version;
  }

  async list(controllerId: string): Promise<RunnerContainer[]> {
    const all = await this.#docker.listContainers({ all: true, filters: { label: [`${LABEL_CONTROLLER}=${controllerId}`] } });
    return all.map((c) => {
      const id = Number(c.Labels[LABEL_RUNNER_ID]);
      return {
        id: c.Id,
        runnerName: c.Labels[LABEL_RUNNER_NAME] ?? c.Names[0]?.replace(/^\//, "") ?? c.Id,
        runnerId: Number.isSafeInteger(id) && id > 0 ? id : undefined,
        entry: c.Labels[LABEL_ENTRY],
        running: c.State === "running",
        ended: c.State === "exited" || c.State === "dead",
        createdAt: c.Created * 1000,
      };
    });
  }

  async start(spec: RunnerContainerSpec, jitConfig: string, watcher: ContainerWatcher, deadline: AbortSignal): Promise<{ id: string; unwatch: () => void }> {
    const given = whenAborted(deadline).then(() => {
      throw new Error("the deadline passed");
    });
    // The engine may still finish a creation after the deadline: such a container, never started, is removed by the next reconciliation.
    given.catch(() => undefined);
    const inTime = <T>(p: Promise<T>): Promise<T> => Promise.race([p, given]);
    const options: Docker.ContainerCreateOptions = {
      name: spec.name,
      Image: spec.image,
      Labels: { ...spec.labels },
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      HostConfig: {
        AutoRemove: true,
        Binds: [...spec.binds],
        // As compose.yml: the work dir in memory, executable; the host reachable by name.
        Tmpfs: { "/mnt": "exec" },
        ExtraHosts: ["host.docker.internal:host-gateway"],
        Privileged: spec.privileged,
        ...(spec.network !== undefined ? { NetworkMode: spec.network } : {}),
        ...(spec.runtime !== undefined ? { Runtime: spec.runtime } : {}),
      },
    };
    const container = await inTime(this.#docker.createContainer(options)).catch((e: unknown) => {
      throw dockerStatus(e) === 404 && /no such image/i.test(dockerMessage(e)) ? new NoSuchImage(spec.image) : e;
    });
    let unwatch = (): void => {};
    try {
      // Each call bounded by the deadline too: one that hangs (a stuck daemon) would leave a runner starting, and
      // its created container, for good; given up, the container is removed below.
      if (deadline.aborted) throw new Error("the deadline passed");
      await inTime(container.putArchive(await jitArchive(jitConfig, spec.secretFiles), { path: "/" }));
      // Attached and waited on before the start, as `docker run --rm` does: the
      // output and the exit code of a container that dies at once are not lost.
      const attached = container.attach({ stream: true, stdout: true, stderr: true, logs: true }) as Promise<Destroyable>;
      // An attach answered after the deadline: its stream is not left open.
      attached.then((late) => void (deadline.aborted && late.destroy?.()), () => undefined);
      const output = await inTime(attached);
      // "removed" (AutoRemove): also answers, with a 404, when it is gone before the wait arrives; "next-exit" would hang then.
      const exited = container.wait({ condition: "removed" }) as Promise<{ StatusCode?: number }>;
      unwatch = this.#keepWatching(container.id, output, exited, watcher);
      await inTime(container.start());
    } catch (e) {
      unwatch();
      // Not waited for: on a daemon that stopped answering, the removal would hang the launch as well. One that
      // fails leaves a container that never started, which the next reconciliation removes.
      void this.remove(container.id).catch(() => undefined);
      throw e;
    }
    return { id: container.id, unwatch };
  }

  follow(id: string, watcher: ContainerWatcher): () => void {
    const [output, exited] = this.#followRequests(id);
    return this.#keepWatching(id, output, exited, watcher);
  }

  /** A container's whole output so far and from now on, and the wait for its removal. */
  #followRequests(id: string): [Promise<Destroyable>, Promise<{ StatusCode?: number }>] {
    const container = this.#docker.getContainer(id);
    const output = container.logs({ follow: true, stdout: true, stderr: true, since: 0 }) as unknown as Promise<Destroyable>;
    return [output, container.wait({ condition: "removed" }) as Promise<{ StatusCode?: number }>];
  }

  /**
   * `watchContainer`, and again whenever the wait is lost without the container being gone: a dropped connection (a
   * daemon restarted with live-restore keeps its containers running) is no exit, and taking it for one would
   * have the controller remove a runner, and the job it runs. The container is looked at until the engine
   * answers: still there, it is followed anew; gone, its exit (code unknown) is reported.
   */
  #keepWatching(id: string, output: Destroyable | Promise<Destroyable>, exited: Promise<{ StatusCode?: number }>, watcher: ContainerWatcher): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current = (): void => {};
    // Losses in a row back off together: a connection that keeps dropping is looked at less and less often.
    let losses = 0;
    const lookAgain = async (why: string): Promise<void> => {
      watcher.onLost?.(why);
      for (;;) {
        await new Promise((resolve) => (timer = setTimeout(resolve, backoffMs(++losses)).unref()));
        if (stopped) return;
        try {
          await this.#docker.getContainer(id).inspect();
        } catch (e) {
          if (dockerStatus(e) !== 404) continue;
          if (!stopped) watcher.onExit(undefined);
          return;
        }
        if (stopped) return;
        const [again, againExited] = this.#followRequests(id);
        current = watchContainer(this.#docker, id, again, againExited, watcher, lost);
        return;
      }
    };
    const lost = (why: string): void => void (stopped || lookAgain(why));
    current = watchContainer(this.#docker, id, output, exited, watcher, lost);
    return () => {
      stopped = true;
      clearTimeout(timer);
      current();
    };
  }

  async pull(image: string, progress: () => void, signal: AbortSignal): Promise<void> {
    try {
      const stream = (await this.#docker.pull(image, { abortSignal: signal })) as Destroyable;
      const ended = whenAborted(signal).then(() => void stream.destroy?.());
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), () => progress());
        void ended.then(() => reject(signal.reason as Error));
      });
    } catch (e) {
      // The request's own abort error says less than the caller's reason.
      throw signal.aborted ? (signal.reason as Error) : e;
    }
  }

  async kill(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    try {
      await this.#docker.getContainer(id).kill({ signal });
    } catch (e) {
      if (!GONE.has(dockerStatus(e) ?? 0)) throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      if (!GONE.has(dockerStatus(e) ?? 0)) throw e;
    }
  }
}
