import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import type Docker from "dockerode";
import type { ContainerWatcher } from "./container-engine.ts";
import { dockerMessage, dockerStatus } from "./docker-error.ts";

export type Destroyable = NodeJS.ReadableStream & { destroy?: () => void };

/**
 * After a container's output ended, how long its exit may take to be answered (AutoRemove removes it, then the
 * wait answers) before the container is looked at: output that ends while the container runs on was a dropped
 * connection, whose wait docker-modem then never settles.
 */
export const EXIT_AFTER_OUTPUT_MS = 3000;

/**
 * Lines of a container's multiplexed output stream (no TTY), then its exit: `onExit` once both the stream ended
 * and the wait answered, so no line comes after it. A connection that drops is no exit: a wait that fails
 * otherwise than with the container gone (404), or output that ended while the container still runs, is
 * `lost` (the caller follows the container anew). Returns the unwatch.
 */
export function watchContainer(
  docker: Docker,
  id: string,
  output: Destroyable | Promise<Destroyable>,
  exited: Promise<{ StatusCode?: number }>,
  watcher: ContainerWatcher,
  lost: (why: string) => void,
): () => void {
  const lines = new PassThrough();
  let stopped = false;
  let outputDone = false;
  let exit: { code: number | undefined } | undefined;
  let raw: Destroyable | undefined;
  let check: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (stopped || !outputDone || !exit) return;
    stopped = true;
    clearTimeout(check);
    watcher.onExit(exit.code);
  };
  const unwatch = (): void => {
    stopped = true;
    clearTimeout(check);
    raw?.destroy?.();
    lines.destroy();
  };
  const toLost = (why: string): void => {
    if (stopped) return;
    unwatch();
    lost(why);
  };
  // The output is over and the exit not yet answered: gone is an exit, running a dropped connection.
  const lookAtIt = (): void => {
    if (stopped) return;
    check = setTimeout(() => {
      if (stopped || exit) return;
      docker.getContainer(id).inspect().then(
        (info: { State?: { Running?: boolean } }) => (info.State?.Running ? toLost("its output ended while it runs on") : lookAtIt()),
        (e: unknown) => {
          if (dockerStatus(e) !== 404) return lookAtIt();
          exit ??= { code: undefined };
          finish();
        },
      );
    }, EXIT_AFTER_OUTPUT_MS).unref();
  };
  createInterface({ input: lines, crlfDelay: Infinity }).on("line", (line) => {
    if (!stopped) watcher.onLine(line);
  });
  // No output to be had (a daemon logging nowhere): its end says nothing of a dropped connection.
  let outputRefused = false;
  lines.on("end", () => {
    outputDone = true;
    finish();
    if (!outputRefused) lookAtIt();
  });
  const endLines = (): void => {
    if (!lines.writableEnded) lines.end();
  };
  Promise.resolve(output).then(
    (stream) => {
      raw = stream;
      if (stopped) return void stream.destroy?.();
      docker.modem.demuxStream(stream, lines, lines);
      stream.on("end", endLines);
      stream.on("error", endLines);
      stream.on("close", endLines);
    },
    () => {
      outputRefused = true;
      endLines();
    },
  );
  exited.then(
    (r) => {
      exit = { code: r.StatusCode };
      finish();
    },
    (e: unknown) => {
      if (dockerStatus(e) !== 404) return toLost(dockerMessage(e));
      exit = { code: undefined };
      finish();
    },
  );
  return unwatch;
}
