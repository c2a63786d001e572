import type { FaultSpec, RateLimitSpec } from "./types.ts";

interface ActiveFault extends FaultSpec {
  left: number;
}

/** Programmed failures (`fake.fault(...)`), consumed in the order they were added. */
export class FaultList {
  private faults: ActiveFault[] = [];

  /** Adds a fault; returns the function that removes it. */
  add(spec: FaultSpec): () => void {
    const fault: ActiveFault = { ...spec, left: spec.times ?? Number.POSITIVE_INFINITY };
    this.faults.push(fault);
    return () => {
      this.faults = this.faults.filter((f) => f !== fault);
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** The first live fault matching this request, counted as used. */
  take(method: string, path: string): FaultSpec | undefined {
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method) continue;
      const hit = typeof f.path === "string" ? f.path === path : new RegExp(f.path.source, f.path.flags.replace("g", "")).test(path);
      if (!hit) continue;
      f.left--;
      return f;
    }
    return undefined;
  }
}

const LIMIT = 5000;

/**
 * GitHub's primary rate limit as headers on every REST answer, and the
 * knob that makes the next answers "rate limit exceeded".
 */
export class RateLimiter {
  private used = 0;
  private windowReset = Math.floor(Date.now() / 1000) + 3600;
  private exhausted: { spec: RateLimitSpec; left: number } | undefined;

  exhaust(spec: RateLimitSpec): void {
    this.exhausted = { spec, left: spec.times ?? 1 };
  }

  /** Counts one REST request. Returns its headers and, when limited, the refusal to send instead. */
  account(): { headers: Record<string, string>; refusal?: { status: number; body: unknown } } {
    const now = Math.floor(Date.now() / 1000);
    if (now >= this.windowReset) {
      this.windowReset = now + 3600;
      this.used = 0;
    }
    const limited = this.exhausted && this.exhausted.left > 0 ? this.exhausted : undefined;
    if (limited) {
      limited.left--;
      const { status = 403, resetInSec = 60, retryAfterSec } = limited.spec;
      const headers: Record<string, string> = {
        "x-ratelimit-limit": String(LIMIT),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": String(LIMIT),
        "x-ratelimit-reset": String(now + resetInSec),
        "x-ratelimit-resource": "core",
      };
      if (retryAfterSec !== undefined) headers["retry-after"] = String(retryAfterSec);
      const message =
        retryAfterSec !== undefined || status === 429
          ? "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
          : "API rate limit exceeded for user ID 1.";
      const body = {
        message,
        documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        status: String(status),
      };
      return { headers, refusal: { status, body } };
    }
    this.used++;
    return {
      headers: {
        "x-ratelimit-limit": String(LIMIT),
        "x-ratelimit-remaining": String(Math.max(0, LIMIT - this.used)),
        "x-ratelimit-used": String(this.used),
        "x-ratelimit-reset": String(this.windowReset),
        "x-ratelimit-resource": "core",
      },
    };
  }
}
