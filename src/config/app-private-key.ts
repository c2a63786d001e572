import { createPrivateKey } from "node:crypto";
import { ConfigError } from "./config-error.ts";

/** Why a value that should be an App's key is not one; nothing of the key itself. */
function whyNot(pem: string): string | undefined {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return "not a PEM private key";
  if (pem.includes("\\n")) return "a PEM key with literal \\n in place of line breaks (use real line breaks, or the secret file)";
  if (/OPENSSH PRIVATE KEY/.test(pem)) return "an OpenSSH key, not the PEM file GitHub generates for an App";
  if (/ENCRYPTED/.test(pem)) return "an encrypted key (a passphrase is needed; GitHub's .pem file has none)";
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    return "a PEM key that does not parse (cut short or garbled in the paste?)";
  }
  return type === "rsa" ? undefined : `a key of type ${type ?? "unknown"} (GitHub Apps sign with RSA)`;
}

/**
 * Throws a ConfigError naming `name` unless `pem` is an RSA private key in PEM (PKCS#1 or PKCS#8), as App JWTs
 * need it. Checked at load: a key that does not parse failed only inside the first request's signing, which the
 * retry took for a network error and retried forever, naming no variable.
 */
export function checkAppPrivateKey(pem: string, name: string): void {
  const why = whyNot(pem);
  if (why !== undefined) {
    throw new ConfigError(name, `expected a PEM private key (the GitHub App's RSA key, -----BEGIN RSA PRIVATE KEY-----), got ${why}; the value is secret, not shown`);
  }
}
