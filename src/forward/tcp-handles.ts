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
 * copied. Only what the relay uses is typed here.
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
}

type Ctor<T> = new (...args: number[]) => T;

function load(): TcpBindings | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding("tcp_wrap");
    const stream = binding("stream_wrap");
    const uv = binding("uv");
    const TCP = tcp.TCP as Ctor<TcpHandle>;
    const constants = tcp.constants as { SOCKET: number; SERVER: number };
    const ConnectWrap = tcp.TCPConnectWrap as Ctor<ConnectReq>;
    const WriteWrap = stream.WriteWrap as Ctor<WriteReq>;
    const ShutdownWrap = stream.ShutdownWrap as Ctor<ShutdownReq>;
    const state = stream.streamBaseState as Int32Array;
    const [kRead, kOffset, kAsync] = [stream.kReadBytesOrError, stream.kArrayBufferOffset, stream.kLastWriteWasAsync] as number[];
    const eof = uv.UV_EOF as number;
    const probe = new TCP(constants.SOCKET);
    const complete =
      typeof probe.writeBuffer === "function" &&
      typeof probe.reset === "function" &&
      typeof probe.setKeepAlive === "function" &&
      typeof ConnectWrap === "function" &&
      typeof WriteWrap === "function" &&
      typeof ShutdownWrap === "function" &&
      state instanceof Int32Array &&
      [kRead, kOffset, kAsync, eof].every((n) => typeof n === "number");
    probe.close();
    if (!complete) return undefined;
    return {
      newServer: () => new TCP(constants.SERVER),
      newSocket: () => new TCP(constants.SOCKET),
      newWriteReq: () => new WriteWrap(),
      newShutdownReq: () => new ShutdownWrap(),
      newConnectReq: () => new ConnectWrap(),
      readBytes: () => state[kRead!]!,
      readOffset: () => state[kOffset!]!,
      lastWriteWasAsync: () => state[kAsync!] !== 0,
      eof,
    };
  } catch {
    return undefined;
  }
}

let loaded: TcpBindings | undefined | null = null;

/** Node's TCP handle bindings, or undefined on a Node that no longer offers them. */
export function tcpBindings(): TcpBindings | undefined {
  if (loaded === null) loaded = load();
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
