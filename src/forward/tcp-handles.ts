import { isIPv6 } from "node:net";
import { getSystemErrorName } from "node:util";

/**
 * Node's own TCP handles: the libuv-backed objects that net.Socket wraps
 * (its `_handle`), reached through `process.binding("tcp_wrap")` and
 * `("stream_wrap")`, which Node keeps available for compatibility (DEP0111,
 * documentation-only deprecation; the same API on Node 20 and 24). The
 * forwarder relays on them directly: a net.Socket per side of every
 * connection (two Duplex streams, their states, listeners, a buffer object
 * per read) was most of its per-connection CPU and of the garbage its GC
 * copied. Only what the relay uses is typed here. A Node without them (the
 * shape is checked once, loadTcpBindings) relays on net.Sockets instead
 * (socket-path.ts).
 */
export interface TcpHandle {
  /** Called after each read: nread in streamBaseState[kReadBytesOrError] (UV_EOF at the end, < 0 on error). */
  onread: (this: TcpHandle, buffer: ArrayBuffer | undefined) => void;
  /** Listening handles: a connection was accepted (status 0) or accept failed. */
  onconnection: (this: TcpHandle, status: number, client: TcpHandle | undefined) => void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  setNoDelay(on: boolean): number;
  /** The delay in seconds. */
  setKeepAlive(on: boolean, delaySeconds: number): number;
  close(callback?: () => void): void;
  /** Closes with SO_LINGER 0: the peer sees a reset. */
  reset(callback?: () => void): number;
}

/** A write request; `oncomplete` runs only for writes that did not finish at once (kLastWriteWasAsync). */
export interface WriteReq {
  handle: TcpHandle;
  oncomplete: (this: never, status: number) => void;
  /** Keeps the data alive while the kernel has not taken it. */
  buffer: Uint8Array | undefined;
}

export interface ShutdownReq {
  handle: TcpHandle;
  oncomplete: (this: never, status: number) => void;
}

export interface ConnectReq {
  oncomplete: (this: never, status: number) => void;
}

export interface TcpBindings {
  newServer(): TcpHandle;
  newSocket(): TcpHandle;
  newWriteReq(): WriteReq;
  newShutdownReq(): ShutdownReq;
  newConnectReq(): ConnectReq;
  /** After a read: bytes read, or a negative error (eof on end of stream). */
  readBytes(): number;
  readOffset(): number;
  lastWriteWasAsync(): boolean;
  readonly eof: number;
  /** A shutdown of a side no longer connected: Node's net counts it as done, and so does the relay. */
  readonly enotconn: number;
}

/** A binding's handle or request class, and process.binding itself (pipe-handles.ts loads its own with them). */
export type Ctor<T> = new (...args: number[]) => T;
export type Binding = (name: string) => Record<string, unknown>;

/** Every method of TcpHandle the forwarder calls: a Node that drops one must not get as far as a connection. */
const HANDLE_METHODS = [
  "readStart",
  "readStop",
  "writeBuffer",
  "shutdown",
  "connect",
  "connect6",
  "bind",
  "bind6",
  "listen",
  "setNoDelay",
  "setKeepAlive",
  "close",
  "reset",
] as const;

/**
 * The bindings, or what this Node lacks of them ("no stream_wrap.WriteWrap",
 * "no TCP handle method reset", "process.binding threw: ..."). Checks the whole
 * shape the relay relies on, once, so that a Node that dropped or changed a
 * piece is caught here rather than by a connection halfway through.
 */
export function loadTcpBindings(binding: Binding | undefined): TcpBindings | string {
  if (typeof binding !== "function") return "no process.binding";
  let step = "process.binding";
  try {
    const [tcp, stream, uv] = [binding("tcp_wrap"), binding("stream_wrap"), binding("uv")];
    const constants = (tcp.constants ?? {}) as Record<string, unknown>;
    const state = stream.streamBaseState;
    const index = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && state instanceof Int32Array && (v as number) < state.length;
    const shape: [string, boolean][] = [
      ["tcp_wrap.TCP", typeof tcp.TCP === "function"],
      ["tcp_wrap.TCPConnectWrap", typeof tcp.TCPConnectWrap === "function"],
      ["tcp_wrap.constants.SOCKET and SERVER", Number.isInteger(constants.SOCKET) && Number.isInteger(constants.SERVER)],
      ["stream_wrap.WriteWrap", typeof stream.WriteWrap === "function"],
      ["stream_wrap.ShutdownWrap", typeof stream.ShutdownWrap === "function"],
      ["stream_wrap.streamBaseState", state instanceof Int32Array],
      ["stream_wrap.kReadBytesOrError", index(stream.kReadBytesOrError)],
      ["stream_wrap.kArrayBufferOffset", index(stream.kArrayBufferOffset)],
      ["stream_wrap.kLastWriteWasAsync", index(stream.kLastWriteWasAsync)],
      ["uv.UV_EOF", Number.isInteger(uv.UV_EOF) && (uv.UV_EOF as number) < 0],
      ["uv.UV_ENOTCONN", Number.isInteger(uv.UV_ENOTCONN) && (uv.UV_ENOTCONN as number) < 0],
    ];
    const lacking = shape.find(([, ok]) => !ok);
    if (lacking) return `no ${lacking[0]}`;
    const TCP = tcp.TCP as Ctor<TcpHandle>;
    const [SOCKET, SERVER] = [constants.SOCKET as number, constants.SERVER as number];
    const ConnectWrap = tcp.TCPConnectWrap as Ctor<ConnectReq>;
    const WriteWrap = stream.WriteWrap as Ctor<WriteReq>;
    const ShutdownWrap = stream.ShutdownWrap as Ctor<ShutdownReq>;
    const [kRead, kOffset, kAsync] = [stream.kReadBytesOrError, stream.kArrayBufferOffset, stream.kLastWriteWasAsync] as number[];
    const [eof, enotconn] = [uv.UV_EOF, uv.UV_ENOTCONN] as number[];
    const baseState = state as Int32Array;
    step = "new TCP()";
    const probe = new TCP(SOCKET) as unknown as Record<string, unknown>;
    const method = HANDLE_METHODS.find((m) => typeof probe[m] !== "function");
    const callback = ["onread", "onconnection"].find((c) => !(c in probe));
    (probe as unknown as TcpHandle).close();
    if (method) return `no TCP handle method ${method}`;
    if (callback) return `no TCP handle callback ${callback}`;
    step = "new WriteWrap()";
    new WriteWrap();
    step = "new ShutdownWrap()";
    new ShutdownWrap();
    step = "new TCPConnectWrap()";
    new ConnectWrap();
    return {
      newServer: () => new TCP(SERVER),
      newSocket: () => new TCP(SOCKET),
      newWriteReq: () => new WriteWrap(),
      newShutdownReq: () => new ShutdownWrap(),
      newConnectReq: () => new ConnectWrap(),
      readBytes: () => baseState[kRead!]!,
      readOffset: () => baseState[kOffset!]!,
      lastWriteWasAsync: () => baseState[kAsync!] !== 0,
      eof: eof!,
      enotconn: enotconn!,
    };
  } catch (err) {
    return `${step} threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

let loaded: TcpBindings | string | undefined;

/** Node's TCP handle bindings, or what this Node lacks of them (see loadTcpBindings); checked once. */
export function tcpBindings(): TcpBindings | string {
  loaded ??= loadTcpBindings((process as unknown as { binding?: Binding }).binding?.bind(process));
  return loaded;
}

/** "ECONNREFUSED" for a libuv error number. */
export function errorName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `error ${status}`;
  }
}

/** A listening handle on address:port, or the error as net.Server would report it (code, syscall, message). */
export function listenHandle(b: TcpBindings, address: string, port: number): TcpHandle | NodeJS.ErrnoException {
  const handle = b.newServer();
  let syscall = "bind";
  let status = isIPv6(address) ? handle.bind6(address, port, 0) : handle.bind(address, port);
  if (status === 0) {
    syscall = "listen";
    // 511: the kernel rounds up to 512, as net.Server's default.
    status = handle.listen(511);
  }
  if (status === 0) return handle;
  handle.close();
  const code = errorName(status);
  return Object.assign(new Error(`${syscall} ${code} ${address}:${port}`), { code, errno: status, syscall });
}
