// The relay thread's code (relay-worker.ts starts it; built as dist/ci-runner-relay-thread.js): relays the
// TCP connections the main thread hands over on an IPC pipe, on the same Relay as the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { pipeBindings } from "./pipe-handles.ts";
import { Relay } from "./relay-handles.ts";
import { tcpBindings, type TcpHandle } from "./tcp-handles.ts";

/** What the main thread gives the relay thread. */
export interface RelayThreadData {
  /** The Unix socket to connect the IPC pipe to. */
  readonly path: string;
  /** Each relay's bytes in and out, at 2 * its slot: the main thread reads them for the port's counters. */
  readonly counters: SharedArrayBuffer;
}

const { path, counters } = workerData as RelayThreadData;
const b = tcpBindings();
const p = pipeBindings();
if (typeof b === "string") throw new Error(`no TCP handles: ${b}`);
if (typeof p === "string") throw new Error(`no pipe handles: ${p}`);
const tcp = b;
const shared = new Float64Array(counters);
/** Clients whose server side has not arrived yet; `cancelled` when the main thread closed them meanwhile. */
const waiting = new Map<number, { client: TcpHandle; slot: number; cancelled: boolean }>();
const relays = new Map<number, Relay>();
let partial = "";

const ended = (id: number) => (): void => {
  relays.delete(id);
  parentPort?.postMessage(id);
};

/**
 * One message per line: "c ID SLOT" with the client's handle, "u ID" with the
 * server side's, "x ID" (close). A read holds at most one handle, the kernel
 * ends a read after data that carried descriptors: the handle is the last
 * line's.
 */
function onMessage(line: string, handle: TcpHandle | null): void {
  const [op, idText, slotText] = line.split(" ");
  const id = Number(idText);
  if (op === "c" && handle) {
    waiting.set(id, { client: handle, slot: Number(slotText), cancelled: false });
  } else if (op === "u" && handle) {
    const w = waiting.get(id);
    waiting.delete(id);
    if (!w || w.cancelled) {
      handle.close();
      w?.client.close();
      parentPort?.postMessage(id);
      return;
    }
    relays.set(id, new Relay(tcp, w.client, handle, ended(id), shared, 2 * w.slot));
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
    // The main thread closed its end: it is stopping this thread.
    handle?.close();
    for (const relay of relays.values()) relay.close();
    ipc.close();
    return;
  }
  if (n === 0 || !buffer) return handle?.close();
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
