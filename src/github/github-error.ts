import { BootError } from "../lifecycle/boot-error.ts";
import { errorCauses } from "../http/http-limit-error.ts";

/** A GitHub failure that retrying will not fix; `message` is the one line to print. */
export class GitHubFatalError extends BootError {}

export interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function httpStatus(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}

/** GitHub's own error message (`{"message": ...}`), else the error's. */
export function gitHubMessage(e: unknown): string {
  const data = (e as HttpErrorLike | null)?.response?.data;
  if (data && typeof data === "object" && "message" in data && typeof data.message === "string") return data.message;
  return e instanceof Error ? e.message : String(e);
}

/** Node's codes for a certificate it will not trust: retrying cannot fix them. */
const UNTRUSTED_CERT = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The certificate problem behind a failed request (Octokit keeps the network error as `cause`), if that is what it was. */
export function untrustedCertCode(e: unknown): string | undefined {
  for (const c of errorCauses(e)) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && UNTRUSTED_CERT.has(code)) return code;
  }
  return undefined;
}
