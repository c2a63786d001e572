import { ConfigError } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { token } from "../config/rules.ts";

type Field = { value: unknown; name: string };

/**
 * An entry's webhook secret, in this order: its `webhook_secret_file` (or
 * defaults'), else WEBHOOK_SECRET, shared by every entry that has none;
 * else, with WEBHOOK_HOST (the controller makes the hook itself), undefined:
 * generated once and kept in DATA_DIR/secrets/{id} (see webhookSecret).
 */
export function entryWebhookSecret(field: Field | undefined, base: Config, read: (f: Field) => string): { value: string; source: string } | undefined {
  if (field !== undefined) return { value: token(read(field), field.name, true).trim(), source: `${field.name} ${String(field.value)}` };
  if (base.WEBHOOK_SECRET !== undefined) return { value: base.WEBHOOK_SECRET.trim(), source: "WEBHOOK_SECRET" };
  if (base.WEBHOOK_HOST !== undefined) return undefined;
  throw new ConfigError("webhook_secret_file", "required (in the entry or in defaults), or WEBHOOK_SECRET for every entry, or WEBHOOK_HOST (then generated): the secret its GitHub webhook signs with");
}
