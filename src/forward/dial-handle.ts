import type { DialError } from "./dial-tcp.ts";
import { errorName, type ConnectReq, type TcpBindings, type TcpHandle } from "./tcp-handles.ts";

interface Dial extends ConnectReq {
  handle: TcpHandle;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  done: ((error: DialError | undefined, handle: TcpHandle) => void) | undefined;
}

/**
 * dialTcp on a bare handle (tcp-handles.ts): connects to address:port with a
 * deadline and calls `done` exactly once, with the connected handle (TCP_NODELAY
 * and keepalive on) or with why it failed (the handle is then closed).
 * Returns a function that abandons the dial: the handle is closed, `done` is
 * not called.
 */
export function dialHandle(
  b: TcpBindings,
  address: string,
  port: number,
  timeoutMs: number,
  done: (error: DialError | undefined, handle: TcpHandle) => void,
): () => void {
  const req = b.newConnectReq() as Dial;
  req.handle = b.newSocket();
  req.done = done;
  req.settled = false;
  req.oncomplete = onConnect;
  // The resolver hands out IP addresses only, and only IPv6 ones have a colon (net.isIPv6's regular expression was 1% of the CPU per connection).
  const status = address.includes(":") ? req.handle.connect6(req, address, port) : req.handle.connect(req, address, port);
  if (status !== 0) {
    // As net.Socket reports it: on a later turn, never inside the caller's own call.
    queueMicrotask(() => settle(req, `connect ${errorName(status)}`));
  } else {
    req.timer = setTimeout(settle, timeoutMs, req, `connect timeout after ${timeoutMs / 1000} s`);
  }
  return () => {
    req.done = undefined;
    settle(req, "abandoned");
  };
}

function onConnect(this: Dial, status: number): void {
  settle(this, status === 0 ? undefined : `connect ${errorName(status)}`);
}

function settle(req: Dial, error: DialError | undefined): void {
  if (req.settled) return;
  req.settled = true;
  clearTimeout(req.timer);
  const done = req.done;
  req.done = undefined;
  const h = req.handle;
  if (error !== undefined) {
    // Closing a handle whose connect is pending completes that connect with ECANCELED: settled already.
    h.close();
  } else {
    // Keepalive: a server host that vanishes while a connection idles (an SSH session, a pooled DB
    // connection) is noticed in minutes instead of never; nothing else times idle connections out.
    h.setNoDelay(true);
    h.setKeepAlive(true, 60);
  }
  done?.(error, h);
}
