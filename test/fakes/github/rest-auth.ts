import { sendError, type Exchange } from "./exchange.ts";
import type { ApiCredential, TokenStore } from "./token-store.ts";

/** The token of `Authorization: Bearer|token T` or of `Basic base64(user:T)` (config.sh --pat), if any. */
export function bearerToken(ex: Exchange): string | undefined {
  const header = ex.req.headers.authorization ?? "";
  const bearer = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * Checks a REST request's credential: 401 when missing, unknown or expired,
 * 403 when it lacks the administration permission runner endpoints need.
 * Sends the refusal itself and returns undefined then.
 */
export function requireAdmin(ex: Exchange, tokens: TokenStore, docs: string): ApiCredential | undefined {
  const token = bearerToken(ex);
  if (token === undefined) {
    sendError(ex, 401, "Requires authentication", docs);
    return undefined;
  }
  const cred = tokens.apiCredential(token);
  if (!cred) {
    sendError(ex, 401, "Bad credentials", "https://docs.github.com/rest");
    return undefined;
  }
  if (!cred.admin) {
    sendError(ex, 403, "Resource not accessible by personal access token", docs);
    return undefined;
  }
  return cred;
}
