import { readFileSync } from "node:fs";
import { isoTime } from "./iso-time.ts";

/** Short-lived secrets (registration tokens, role credentials) keep only this many, newest last. */
const ROTATING_KEPT = 64;

export type SecretLifetime = "permanent" | "rotating";

/**
 * The secrets of one supervisor run, each `***` in every line its logger prints, relayed output included (a token
 * in a hook's `set -x` output). Rotating ones are bounded: a supervisor that runs for months fetches a role
 * credential every hour, and the oldest kept has long expired.
 */
export class SecretMask {
  readonly #permanent = new Set<string>();
  readonly #rotating = new Set<string>();

  /**
   * Masks `value` from now on; values shorter than 6 chars are ignored
   * (they would mask ordinary words); each line of a multi-line value
   * (a PEM key leaks line by line) is masked too.
   */
  add(value: string | undefined, lifetime: SecretLifetime = "permanent"): void {
    if (value === undefined) return;
    const trimmed = value.trim();
    if (trimmed.length < 6) return;
    const into = lifetime === "permanent" ? this.#permanent : this.#rotating;
    const add = (s: string): void => {
      into.delete(s); // re-added: now the newest
      into.add(s);
    };
    add(trimmed);
    for (const line of trimmed.split("\n")) {
      if (line.trim().length >= 16) add(line.trim());
    }
    while (this.#rotating.size > ROTATING_KEPT) this.#rotating.delete(this.#rotating.values().next().value as string);
  }

  /** How many values are masked now (bounded: see ROTATING_KEPT). */
  get size(): number {
    return this.#permanent.size + this.#rotating.size;
  }

  redact(text: string): string {
    let out = text;
    for (const set of [this.#permanent, this.#rotating]) {
      for (const s of set) {
        if (out.includes(s)) out = out.split(s).join("***");
      }
    }
    return out;
  }
}

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

/**
 * True when the zone of `tz` (or, unset, /etc/localtime) is UTC all year:
 * its TZif file ends in the POSIX rule "UTC0" (UTC, Etc/UTC, Zulu...).
 */
function alwaysUtc(tz: string | undefined): boolean {
  const name = tz?.replace(/^:/, "");
  const file = name === undefined ? "/etc/localtime" : name.startsWith("/") ? name : `/usr/share/zoneinfo/${name}`;
  try {
    return readFileSync(file, "latin1").endsWith("\nUTC0\n");
  } catch {
    return false;
  }
}

/**
 * The current TZ's zone: when it is UTC all year (the image's default), named "UTC" and its time read from
 * the date's UTC fields, without ICU, whose zone data costs PID 1 about 6 MiB of resident memory once touched
 * (and local-time fields set up V8's date cache with it); else ICU's formatter, built once (about 100 us, too
 * much for every line).
 */
let zone: { tz: string | undefined; utc: boolean; name: (now: Date) => string } | undefined;

function currentZone(): NonNullable<typeof zone> {
  const tz = process.env.TZ;
  if (zone === undefined || zone.tz !== tz) {
    if (alwaysUtc(tz)) zone = { tz, utc: true, name: () => "UTC" };
    else {
      const format = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });
      zone = { tz, utc: false, name: (d) => format.formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "UTC" };
    }
  }
  return zone;
}

/** `YYYY-MM-DD HH:MM:SS TZ` in the process's local zone (TZ applies), as the original image printed. */
export function timestamp(now: Date = new Date()): string {
  const zone = currentZone();
  if (zone.utc) {
    const iso = isoTime(now);
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  }
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${zone.name(now)}`
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
