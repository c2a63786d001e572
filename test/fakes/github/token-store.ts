import { randomBytes } from "node:crypto";
import type { Scope } from "./types.ts";

const HOUR_MS = 3_600_000;

/** How a REST credential may be used. */
export interface ApiCredential {
  /** false: a fine-grained PAT without "Administration: write" (403 on runner endpoints). */
  admin: boolean;
  /** Epoch ms; absent: never expires. */
  expiresAt?: number;
  kind: "pat" | "installation";
}

export type RunnerTokenKind = "registration" | "remove";

interface RunnerToken {
  scope: Scope;
  kind: RunnerTokenKind;
  expiresAt: number;
}

/** A token and its expiry as the REST API returns them. */
export interface IssuedToken {
  token: string;
  expires_at: string;
}

/** GitHub's timestamps: ISO 8601 without milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Every credential the fake knows: PATs and App installation tokens for the
 * REST API, and the short-lived registration and remove tokens that
 * config.sh sends as `RemoteAuth`.
 */
export class TokenStore {
  private readonly api = new Map<string, ApiCredential>();
  private readonly runner = new Map<string, RunnerToken>();
  /** Lifetime of registration and remove tokens (one hour on GitHub). */
  runnerTokenTtlMs = HOUR_MS;
  /** Lifetime of App installation tokens (one hour on GitHub). */
  installationTokenTtlMs = HOUR_MS;

  addPat(token: string, admin = true): void {
    this.api.set(token, { admin, kind: "pat" });
  }

  apiCredential(token: string): ApiCredential | undefined {
    const cred = this.api.get(token);
    if (!cred) return undefined;
    if (cred.expiresAt !== undefined && cred.expiresAt <= Date.now()) return undefined;
    return cred;
  }

  issueInstallationToken(): IssuedToken {
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    const expiresAt = Date.now() + this.installationTokenTtlMs;
    this.api.set(token, { admin: true, kind: "installation", expiresAt });
    return { token, expires_at: isoSeconds(expiresAt) };
  }

  issueRunnerToken(scope: Scope, kind: RunnerTokenKind): IssuedToken {
    // GitHub registration tokens are 29 upper-case alphanumerics starting with "A".
    const token = `A${randomBytes(21).toString("base64url").replace(/[^A-Za-z0-9]/g, "X").toUpperCase().slice(0, 28)}`;
    const expiresAt = Date.now() + this.runnerTokenTtlMs;
    this.runner.set(token, { scope, kind, expiresAt });
    return { token, expires_at: isoSeconds(expiresAt) };
  }

  /** The scope a live registration/remove token was issued for, if it is of `kind`. */
  runnerTokenScope(token: string, kind: RunnerTokenKind): Scope | undefined {
    const t = this.runner.get(token);
    if (!t || t.kind !== kind || t.expiresAt <= Date.now()) return undefined;
    return t.scope;
  }

  /** Makes every registration, remove and installation token issued so far expired. */
  expireAll(): void {
    const past = Date.now() - 1;
    for (const t of this.runner.values()) t.expiresAt = past;
    for (const c of this.api.values()) if (c.kind === "installation") c.expiresAt = past;
  }
}
