import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import type { PipeBindings, PipeHandle } from "./pipe-handles.ts";
import { capYoungGeneration } from "./reclaim-read-buffers.ts";
import type { RelayThreadData } from "./relay-thread.ts";
import { errorName, type TcpBindings, type TcpHandle, type WriteReq } from "./tcp-handles.ts";
import type { Relayed } from "./tcp-path.ts";

/** The second thread that relays TCP connections (relay-thread.ts), seen from the main thread. */
export interface RelayThread {
  /** Connections it relays now. */
  readonly active: number;
  /** Resolves once it takes connections (true), or once it failed (false). */
  readonly started: Promise<boolean>;
  /**
   * Hands a dialed connection over: its handles are closed here once sent.
   * Undefined when the thread cannot take it now (not started yet, failed,
   * every counter slot in use): relay it on this thread then.
   */
  take(client: TcpHandle, upstream: TcpHandle, closed: (relayed: Relayed) => void): Relayed | undefined;
  /** Ends the thread: its connections close. */
  stop(): Promise<void>;
}

/**
 * Both handles of each thread's pipe end here (see startRelayThread), never
 * closed before the process exits: they share one descriptor.
 */
const keptOpen: PipeHandle[] = [];

/** Connections on the thread at most (a slot each in the shared counters); more are relayed on the main thread. */
const SLOTS = 4096;

interface HandedOver extends Relayed {
  readonly slot: number;
  readonly closed: (relayed: Relayed) => void;
  /** The counters once it ended: its slot may be another connection's by then. */
  final?: [number, number];
}

interface SendReq extends WriteReq {
  sent: TcpHandle | undefined;
  thread: { sendFailed(status: number): void };
}

/**
 * Starts the relay thread. Connections reach it over an IPC pipe (a Unix
 * socket in a new 0700 directory, removed once connected), each side's file
 * descriptor passed with SCM_RIGHTS as Node's cluster passes handles: the
 * kernel gives the thread descriptors of its own, so each thread closes its
 * own. Node offers no socketpair: the thread connects, and the accepted end
 * here is reopened as an IPC pipe on the same descriptor (Node accepts only
 * plain pipes). Two handles on one descriptor must not be closed while the
 * process runs: closing one would let the descriptor's number go to a new
 * socket or file, which the other's close (at the latest when Node closes
 * every handle at exit) would then close. So both stay open until the process
 * exits (`keptOpen`): one descriptor per relay thread started. `failed` is
 * called once if the thread cannot start or stops on its own; its
 * connections are closed then.
 */
export function startRelayThread(b: TcpBindings, p: PipeBindings, splice: boolean, failed: (why: string) => void): RelayThread {
  const counters = new SharedArrayBuffer(SLOTS * 2 * Float64Array.BYTES_PER_ELEMENT);
  const shared = new Float64Array(counters);
  const free = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
  const handedOver = new Map<number, HandedOver>();
  let seq = 0;
  let ipc: PipeHandle | undefined;
  let worker: Worker | undefined;
  let over = false;
  let reportStarted: (ok: boolean) => void = () => {};
  const started = new Promise<boolean>((resolve) => (reportStarted = resolve));
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-relay-"));
  const path = join(dir, "ipc");
  const server = p.newServer();
  const removeDir = () => rmSync(dir, { recursive: true, force: true });

  function end(id: number): void {
    const h = handedOver.get(id);
    if (!h) return;
    handedOver.delete(id);
    h.final = [shared[2 * h.slot]!, shared[2 * h.slot + 1]!];
    free.push(h.slot);
    h.closed(h);
  }

  function finish(why: string | undefined): void {
    if (over) return;
    over = true;
    reportStarted(false);
    server.close();
    removeDir();
    // Not closed (keptOpen): the thread sees its end when it is terminated.
    ipc = undefined;
    for (const id of [...handedOver.keys()]) end(id);
    if (why === undefined) return;
    // A thread still running (a send failed, its pipe did not open) would relay connections counted as ended here.
    void worker?.terminate();
    failed(why);
  }

  const thread = { sendFailed: (status: number) => finish(`sending it a connection failed: ${errorName(status)}`) };

  /** Writes one message, with `handle` if given; closes this thread's copy of the handle once it is sent. */
  function send(text: string, handle?: TcpHandle): boolean {
    if (!ipc) return false;
    const req = b.newWriteReq() as SendReq;
    req.handle = ipc as unknown as TcpHandle;
    req.oncomplete = onSent;
    req.sent = handle;
    req.thread = thread;
    const status = ipc.writeUtf8String(req, text, handle);
    if (status !== 0) return false;
    if (!b.lastWriteWasAsync()) handle?.close();
    return true;
  }

  let status = server.bind(path);
  if (status === 0) status = server.listen(1);
  // Failures at start are reported on a later tick: the caller holds the returned thread by then.
  if (status !== 0) {
    queueMicrotask(() => finish(`cannot listen on ${path}: ${errorName(status)}`));
  } else {
    server.onconnection = (accepted, conn) => {
      server.close();
      removeDir();
      if (over) return;
      if (accepted !== 0 || !conn) return finish(`accepting its connection on ${path} failed: ${errorName(accepted)}`);
      ipc = p.newIpc();
      keptOpen.push(conn, ipc);
      conn.unref();
      ipc.unref();
      const opened = ipc.open(conn.fd);
      if (opened !== 0) return finish(`opening its pipe failed: ${errorName(opened)}`);
      reportStarted(true);
    };
    const data: RelayThreadData = { path, counters, splice };
    try {
      worker = newWorker(data);
      // Node set V8's flags back for the new thread: the forwarder's cap on the young generation again.
      worker.once("online", () => capYoungGeneration(true));
      worker.on("message", (id: number) => end(id));
      worker.on("error", (err: Error) => finish(`it failed: ${err.message}`));
      worker.on("exit", (code) => finish(`it exited with code ${code}`));
      // After the listeners: a "message" listener refs the worker's port again. The thread never holds the process up.
      worker.unref();
    } catch (err) {
      // ERR_WORKER_INIT_FAILED (a container's pids limit), out of memory.
      queueMicrotask(() => finish(`it could not start: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  return {
    get active() {
      return handedOver.size;
    },
    started,
    take(client, upstream, closed) {
      if (!ipc || over) return undefined;
      const slot = free.pop();
      if (slot === undefined) return undefined;
      const id = ++seq;
      shared[2 * slot] = 0;
      shared[2 * slot + 1] = 0;
      if (!send(`c ${id} ${slot}\n`, client)) {
        free.push(slot);
        return undefined;
      }
      const h: HandedOver = {
        slot,
        closed,
        get bytesIn() {
          return this.final?.[0] ?? shared[2 * slot]!;
        },
        get bytesOut() {
          return this.final?.[1] ?? shared[2 * slot + 1]!;
        },
        close: () => void (handedOver.has(id) && send(`x ${id}\n`)),
      };
      handedOver.set(id, h);
      // The client is the thread's now: if its server side cannot follow, the thread is ended (it closes the client).
      if (!send(`u ${id}\n`, upstream)) {
        upstream.close();
        queueMicrotask(() => finish("sending it a connection failed"));
      }
      return h;
    },
    async stop() {
      const w = worker;
      finish(undefined);
      worker = undefined;
      await w?.terminate();
    },
  };
}

function onSent(this: SendReq, status: number): void {
  this.sent?.close();
  this.sent = undefined;
  if (status < 0) this.thread.sendFailed(status);
}

/**
 * The thread on dist/ci-runner-relay-thread.js beside this bundle; from the
 * sources (tests, under tsx), on relay-thread.ts with tsx's loader, which a
 * worker does not inherit on Node 20.
 */
function newWorker(workerData: RelayThreadData): Worker {
  // No execArgv of this process (a test runner's --import hooks, --inspect): the thread needs none.
  const options = { workerData, env: {}, execArgv: [], name: "ci-runner relay" };
  const here = import.meta.url;
  // Loaded here, not at the top: every forwarding configuration loads this file, and most never start a thread (1-2 ms at boot).
  const { Worker } = createRequire(here)("node:worker_threads") as typeof import("node:worker_threads");
  if (!here.endsWith(".ts")) return new Worker(new URL("./ci-runner-relay-thread.js", here), options);
  const file = fileURLToPath(new URL("./relay-thread.ts", here));
  const tsx = createRequire(here).resolve("tsx/cjs/api");
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, { ...options, eval: true });
}
