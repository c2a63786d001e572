import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Bytes relayed between two minor collections. Node allocates a new buffer
 * for every socket read (64 KiB while bulk data flows); they die at once, but
 * V8 frees them only when it collects, and with a forwarder's small heap that
 * waits until about 64 MiB of them are outstanding: a 1 GB/s transfer kept
 * the process 45-60 MiB above idle. A minor GC (a scavenge: 0.1-0.3 ms with
 * the forwarder's few live objects) every 2 MiB keeps that garbage near 2 MiB.
 */
const RECLAIM_EVERY_BYTES = 2 * 1024 * 1024;

type MinorGc = () => void;

function minorGc(): MinorGc | undefined {
  try {
    // Node offers gc() only behind --expose-gc; turned on now, it is there in a new context.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as ((options: { type: "minor" }) => void) | undefined;
    return typeof gc === "function" ? () => gc({ type: "minor" }) : undefined;
  } catch {
    return undefined;
  }
}

let gc: MinorGc | undefined | null = null;
let youngCapped = false;

/**
 * Keeps V8's young generation at its starting size (1 MiB semi-spaces).
 * Forwarding allocates fast (a buffer per read and per datagram, a few
 * handle and request objects per connection), and V8 answers a fast
 * allocation rate by growing the young generation up to 16 MiB semi-spaces:
 * 30 MiB of RSS that never shrinks back. Few objects survive in a forwarder,
 * so small, frequent scavenges cost about the same CPU. Process-wide (the
 * supervisor's own allocation is slow and does not mind); V8 reads this flag
 * each time it would grow, so setting it after start works. Starting a
 * worker thread sets V8's flags back (Node parses them again for it): a relay
 * thread calls this `again` once its worker is online, or the main thread's
 * young generation grew to 32 MiB under connection churn.
 */
export function capYoungGeneration(again = false): void {
  if (youngCapped && !again) return;
  youngCapped = true;
  try {
    setFlagsFromString("--semi-space-growth-factor=1");
  } catch {
    // an engine without the flag: the young generation grows as usual
  }
}
let pending = 0;

/** Called with each chunk relayed: every RECLAIM_EVERY_BYTES, the read buffers are collected. */
export function reclaimReadBuffers(bytes: number): void {
  pending += bytes;
  if (pending < RECLAIM_EVERY_BYTES) return;
  pending = 0;
  if (gc === null) gc = minorGc();
  gc?.();
}
