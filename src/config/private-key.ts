import { ConfigError } from "./config-error.ts";
import type { Rule } from "./rules.ts";
import { nodeCrypto } from "../node-crypto.ts";

/** Why a value is not a private key in PEM's shape (any kind ssh or an App reads); nothing of the key itself. */
function notPem(pem: string): string | undefined {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return "not a PEM private key";
  if (pem.includes("\\n")) return "a PEM key with literal \\n in place of line breaks (use real line breaks, or the secret file)";
  return undefined;
}

/** Why a value that should be an App's key is not one; nothing of the key itself. */
function whyNot(pem: string): string | undefined {
  const shape = notPem(pem);
  if (shape !== undefined) return shape;
  if (/OPENSSH PRIVATE KEY/.test(pem)) return "an OpenSSH key, not the PEM file GitHub generates for an App";
  if (/ENCRYPTED/.test(pem)) return "an encrypted key (a passphrase is needed; GitHub's .pem file has none)";
  let type: string | undefined;
  try {
    type = nodeCrypto().createPrivateKey(pem).asymmetricKeyType;
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

/**
 * CI_STORAGE_PRIVATE_KEY: an SSH private key file's text (OpenSSH or PEM). One ssh cannot load was found only by
 * the warm start (a warning, then a cold start) and by jobs' own ssh to the storage host.
 */
export const sshPrivateKey: Rule<string> = (raw, name) => {
  const why = notPem(raw);
  if (why !== undefined) {
    throw new ConfigError(name, `expected an SSH private key file's text (-----BEGIN OPENSSH PRIVATE KEY-----), got ${why}; the value is secret, not shown`);
  }
  return raw;
};
