import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/config-error.ts";
import { makeDirs } from "../fs/make-dirs.ts";
import { replaceDurably } from "../fs/write-durably.ts";
import type { Logger } from "../log/logger.ts";

export interface SecretSource {
  /** WEBHOOK_SECRET (or its secret file, or an entry's webhook_secret_file) when given. */
  readonly given: string | undefined;
  readonly dataDir: string;
  /** `default` for the single scope; an entry's id otherwise. */
  readonly id: string;
  readonly log: Logger;
  /** The variable to name when DATA_DIR/secrets cannot be written. */
  readonly variable?: string;
}

/**
 * The webhook secret of scope `id`: the given one, else the one generated
 * (32 random bytes, hex) on the first start and kept in
 * DATA_DIR/secrets/{id}, mode 0600 in a 0700 directory, so that a restart
 * signs with the same secret as the hook GitHub has. Registered with the
 * log's mask either way; never printed.
 */
export function webhookSecret(s: SecretSource): string {
  if (s.given !== undefined) {
    s.log.mask(s.given);
    return s.given;
  }
  const dir = join(s.dataDir, "secrets");
  const file = join(dir, s.id);
  try {
    makeDirs(dir, 0o700);
    const kept = readKept(file);
    if (kept !== undefined) {
      s.log.mask(kept);
      // A copy restored from a backup may have lost its mode.
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return kept;
    }
    const secret = randomBytes(32).toString("hex");
    s.log.mask(secret);
    // Whole or not at all: a crash mid-write must not leave a secret the hook on GitHub does not have.
    replaceDurably(file, secret);
    s.log.info(`webhook secret generated and kept in ${file} (mode 0600)`);
    return secret;
  } catch (e) {
    throw new ConfigError(s.variable ?? "DATA_DIR", `cannot keep the webhook secret in ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Deletes the secret generated for scope `id` (its hook is gone): a later entry of that id gets a new one. */
export function forgetWebhookSecret(dataDir: string, id: string): void {
  rmSync(join(dataDir, "secrets", id), { force: true });
}

function readKept(file: string): string | undefined {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text === "" ? undefined : text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
