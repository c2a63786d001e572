import { SecretMask, type SecretLifetime } from "./secret-mask.ts";

/** A component's logger: one line per call, `[time] component: message`. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Relay one line of a child's output (hook, runner) under this component's tag. */
  relay(line: string): void;
  /** Masks `value` in every later line of this logger, its children and its parent. */
  mask(value: string | undefined, lifetime?: SecretLifetime): void;
  child(component: string): Logger;
}

type Sink = (line: string) => void;
let sink: Sink = (line) => process.stdout.write(line + "\n");

/** Tests capture output here; returns the function that restores the previous sink. */
export function setLogSink(next: Sink): () => void {
  const prev = sink;
  sink = next;
  return () => {
    sink = prev;
  };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The zone-name formatter of the current TZ: building one costs about 100 us, too much for every line. */
let zoneFormat: { tz: string | undefined; format: Intl.DateTimeFormat } | undefined;

function zoneName(now: Date): string {
  const tz = process.env.TZ;
  if (zoneFormat === undefined || zoneFormat.tz !== tz) zoneFormat = { tz, format: new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }) };
  return zoneFormat.format.formatToParts(now).find((p) => p.type === "timeZoneName")?.value ?? "UTC";
}

/** `YYYY-MM-DD HH:MM:SS TZ` in the process's local zone (TZ applies), as the original image printed. */
export function timestamp(now: Date = new Date()): string {
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${zoneName(now)}`
  );
}

function write(mask: SecretMask, component: string, level: string, message: string): void {
  for (const line of mask.redact(message).split("\n")) {
    // The original image dropped empty lines from relayed output; keep the log dense.
    if (line.trim() === "") continue;
    sink(`[${timestamp()}] ${component}:${level} ${line}`);
  }
}

/** A logger with a mask of its own, which the loggers made by `child` share. */
export function createLogger(component = "ci-runner", mask = new SecretMask()): Logger {
  return {
    info: (m) => write(mask, component, "", m),
    warn: (m) => write(mask, component, " warning:", m),
    error: (m) => write(mask, component, " error:", m),
    relay: (line) => write(mask, component, "", line),
    mask: (value, lifetime) => mask.add(value, lifetime),
    child: (sub) => createLogger(sub, mask),
  };
}
