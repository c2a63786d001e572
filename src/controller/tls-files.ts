import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { ConfigError } from "../config/config-error.ts";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A certificate and its key, checked to belong together. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** `CN=ci.example.com, valid until ..., SHA-256 AB:CD:...`: what a log line says of it (nothing secret). */
  readonly summary: string;
}

function read(variable: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(variable, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * TLS_CERT_FILE and TLS_KEY_FILE, read and checked: a file that cannot be
 * read, is not PEM, or a key that is not the certificate's is a ConfigError
 * naming the variable (the key's content never in the message).
 */
export function readTls(files: TlsFiles): TlsMaterial {
  const cert = read("TLS_CERT_FILE", files.certFile);
  const key = read("TLS_KEY_FILE", files.keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new ConfigError("TLS_CERT_FILE", `${files.certFile} holds no PEM certificate (${(e as Error).message})`);
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    throw new ConfigError("TLS_KEY_FILE", `${files.keyFile} holds no PEM private key (or it is encrypted: give it unencrypted, mode 0600)`);
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new ConfigError("TLS_KEY_FILE", `${files.keyFile} is not the key of the certificate in ${files.certFile} (TLS_CERT_FILE)`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new ConfigError("TLS_CERT_FILE", `${files.certFile} with ${files.keyFile}: ${(e as Error).message}`);
  }
  const subject = x509.subject.split("\n").join(", ");
  return { cert, key, summary: `${subject}, valid until ${new Date(x509.validTo).toISOString()}, SHA-256 ${x509.fingerprint256}` };
}

/** What changes when a file is replaced or rewritten (a certbot renewal swaps the symlink's target). */
export function tlsFilesStamp(files: TlsFiles): string {
  return [files.certFile, files.keyFile]
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code ?? "?";
      }
    })
    .join(" ");
}
