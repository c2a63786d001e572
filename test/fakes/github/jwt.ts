import { createSign, createVerify, type KeyLike } from "node:crypto";

/** Claims the fake reads from a JWT. */
export interface JwtClaims {
  iss?: string | number;
  sub?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

/** Signs `claims` as an RS256 JWT (what @octokit/auth-app does with an App's private key). */
export function signJwtRs256(claims: JwtClaims, privateKey: KeyLike): string {
  const head = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signer = createSign("RSA-SHA256");
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${signer.sign(privateKey).toString("base64url")}`;
}

/**
 * Verifies an RS256 JWT against `publicKey` and its time claims. Returns the
 * claims, or the reason it is refused (GitHub's wording where known).
 */
export function verifyJwtRs256(
  token: string,
  publicKey: KeyLike,
  opts: { maxLifetimeSec?: number; now?: number } = {},
): { claims: JwtClaims } | { error: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { error: "A JSON web token could not be decoded" };
  const [head, body, sig] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as JwtClaims;
  } catch {
    return { error: "A JSON web token could not be decoded" };
  }
  if (header.alg !== "RS256") return { error: "A JSON web token could not be decoded" };
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${head}.${body}`);
  let ok = false;
  try {
    ok = verifier.verify(publicKey, Buffer.from(sig, "base64url"));
  } catch {
    ok = false;
  }
  if (!ok) return { error: "A JSON web token could not be decoded" };
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    return { error: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
  }
  if (typeof claims.iat === "number" && claims.iat > now + 60) {
    return { error: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" };
  }
  const maxLifetime = opts.maxLifetimeSec;
  if (maxLifetime !== undefined && claims.exp - (typeof claims.iat === "number" ? claims.iat : now) > maxLifetime + 60) {
    return { error: "'Expiration time' claim ('exp') is too far in the future" };
  }
  return { claims };
}
