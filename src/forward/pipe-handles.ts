import type { Binding, Ctor, TcpHandle, WriteReq } from "./tcp-handles.ts";

/**
 * Node's own Unix-socket handles (`process.binding("pipe_wrap")`, beside
 * tcp_wrap: see tcp-handles.ts), as the relay thread uses them: an IPC pipe
 * carries TCP handles (their file descriptors, SCM_RIGHTS) from the main
 * thread to the relay thread, as Node's cluster does between processes.
 * Only what that uses is typed here.
 */
export interface PipeHandle {
  bind(path: string): number;
  listen(backlog: number): number;
  connect(req: PipeConnectReq, path: string): number;
  /** Wraps an open file descriptor (not duplicated: see relay-worker.ts). */
  open(fd: number): number;
  readStart(): number;
  /** On an IPC pipe, `sendHandle` travels with the string (uv_write2). */
  writeUtf8String(req: WriteReq, data: string, sendHandle?: TcpHandle): number;
  close(callback?: () => void): void;
  /** The handle no longer keeps the event loop alive. */
  unref(): void;
  onread: (this: PipeHandle, buffer: ArrayBuffer | undefined) => void;
  onconnection: (this: PipeHandle, status: number, client: PipeHandle | undefined) => void;
  /** Set before `onread` when the data read came with a handle (IPC pipes). */
  pendingHandle: TcpHandle | null;
  readonly fd: number;
}

export interface PipeConnectReq {
  oncomplete: (this: never, status: number) => void;
}

export interface PipeBindings {
  newServer(): PipeHandle;
  newIpc(): PipeHandle;
  newConnectReq(): PipeConnectReq;
}

/** The bindings, or what this Node lacks of them ("no pipe_wrap.PipeConnectWrap"). */
export function loadPipeBindings(binding: Binding | undefined): PipeBindings | string {
  if (typeof binding !== "function") return "no process.binding";
  try {
    const pipe = binding("pipe_wrap");
    const constants = (pipe.constants ?? {}) as Record<string, unknown>;
    if (typeof pipe.Pipe !== "function") return "no pipe_wrap.Pipe";
    if (typeof pipe.PipeConnectWrap !== "function") return "no pipe_wrap.PipeConnectWrap";
    if (!Number.isInteger(constants.SERVER) || !Number.isInteger(constants.IPC)) return "no pipe_wrap.constants.SERVER and IPC";
    const Pipe = pipe.Pipe as Ctor<PipeHandle>;
    const ConnectWrap = pipe.PipeConnectWrap as Ctor<PipeConnectReq>;
    const [SERVER, IPC] = [constants.SERVER as number, constants.IPC as number];
    const probe = new Pipe(IPC) as unknown as Record<string, unknown>;
    const method = ["bind", "listen", "connect", "open", "readStart", "writeUtf8String", "close", "unref"].find((m) => typeof probe[m] !== "function");
    (probe as unknown as PipeHandle).close();
    if (method) return `no Pipe handle method ${method}`;
    return { newServer: () => new Pipe(SERVER), newIpc: () => new Pipe(IPC), newConnectReq: () => new ConnectWrap() };
  } catch (err) {
    return `process.binding("pipe_wrap") threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Node's pipe bindings, or what this Node lacks of them. */
export function pipeBindings(): PipeBindings | string {
  return loadPipeBindings((process as unknown as { binding?: Binding }).binding?.bind(process));
}
