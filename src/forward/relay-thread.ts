// The relay thread's code (relay-worker.ts starts it; built as dist/ci-runner-relay-thread.js): relays the
// TCP connections the main thread hands over on an IPC pipe, on the same Relay as the main thread. Loading the
// file on a main thread runs nothing (the image build loads every dist file to fill the compile cache).
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { pipeBindings } from "./pipe-handles.ts";
import { Relay } from "./relay-handles.ts";
import { spliceAddon, spliceRelay } from "./splice-relay.ts";
import { tcpBindings, type TcpHandle } from "./tcp-handles.ts";
import type { Relayed } from "./tcp-path.ts";

/** What the main thread gives the relay thread. */
export interface RelayThreadData {
  /** The Unix socket to connect the IPC pipe to. */
  readonly path: string;
  /** Each relay's bytes in and out, at 2 * its slot: the main thread reads them for the port's counters. */
  readonly counters: SharedArrayBuffer;
  /** Relay with splice(2) where its addon loads here too (the main thread's path does). */
  readonly splice: boolean;
}

function relayThread({ path, counters, splice: wanted }: RelayThreadData): void {
  const b = tcpBindings();
  const p = pipeBindings();
  if (typeof b === "string") throw new Error(`no TCP handles: ${b}`);
  if (typeof p === "string") throw new Error(`no pipe handles: ${p}`);
  const tcp = b;
  const shared = new Float64Array(counters);
  const loaded = wanted ? spliceAddon() : undefined;
  const splice = loaded && !("error" in loaded) ? loaded : undefined;
  /** Clients whose server side has not arrived yet; `cancelled` when the main thread closed them meanwhile. */
  const waiting = new Map<number, { client: TcpHandle; cancelled: boolean; slot: number }>();
  const relays = new Map<number, Relayed>();
  let partial = "";

  /** Tells the main thread that connection `id` is over (its slot is free again). */
  const over = (id: number): void => void parentPort?.postMessage(id);
  const ended = (id: number) => (): void => {
    relays.delete(id);
    over(id);
  };

  /**
   * One message per line: "c ID SLOT" with the client's handle, "u ID" with
   * the server side's, "x ID" (close). A read holds at most one handle: the
   * kernel ends a read after data that carried descriptors, so the handle is
   * the last line's. A handle the kernel could not pass (this process at its
   * descriptor limit) ends that connection.
   */
  function onMessage(line: string, handle: TcpHandle | null): void {
    const [op, idText, slotText] = line.split(" ");
    const id = Number(idText);
    if (op === "c") {
      if (handle) waiting.set(id, { client: handle, cancelled: false, slot: Number(slotText) });
      else over(id);
    } else if (op === "u") {
      const w = waiting.get(id);
      waiting.delete(id);
      if (!w) return void handle?.close(); // its client never arrived: already reported over
      if (!handle || w.cancelled) {
        handle?.close();
        w.client.close();
        return over(id);
      }
      const at = 2 * w.slot;
      const slot = shared.subarray(at, at + 2);
      relays.set(id, (splice && spliceRelay(splice, w.client, handle, ended(id), slot)) ?? new Relay(tcp, w.client, handle, ended(id), shared, at));
    } else if (op === "x") {
      const w = waiting.get(id);
      if (w) w.cancelled = true;
      relays.get(id)?.close();
    } else {
      handle?.close();
    }
  }

  const ipc = p.newIpc();
  ipc.onread = function (buffer) {
    const n = tcp.readBytes();
    const handle = ipc.pendingHandle;
    ipc.pendingHandle = null;
    if (n < 0) {
      // The main thread's end is gone: nothing more will come; what runs here ends with the thread.
      handle?.close();
      for (const relay of relays.values()) relay.close();
      ipc.close();
      return;
    }
    if (n === 0 || !buffer) return void handle?.close();
    const lines = (partial + Buffer.from(buffer, tcp.readOffset(), n).toString("latin1")).split("\n");
    partial = lines.pop() ?? "";
    lines.forEach((line, i) => onMessage(line, i === lines.length - 1 ? handle : null));
  };
  const connecting = p.newConnectReq();
  connecting.oncomplete = (status: number) => {
    if (status !== 0) throw new Error(`cannot connect to ${path}: error ${status}`);
    if (ipc.readStart() !== 0) throw new Error(`cannot read ${path}`);
  };
  if (ipc.connect(connecting, path) !== 0) throw new Error(`cannot connect to ${path}`);
}

if (!isMainThread && workerData) relayThread(workerData as RelayThreadData);
