import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";
import { jsonErrorAt } from "../config/json-error-at.ts";
import type { Config } from "../config/load-config.ts";
import { entrySpec, type EntryFields, type EntrySpec } from "./entry-spec.ts";

/** What an entry of `repositories` may hold (seed 004's fields first); `defaults` holds the same but `id` and `github_url`. */
export const ENTRY_FIELDS = [
  "id",
  "github_url",
  "github_token",
  "runner_labels",
  "max_runners",
  "runner_image",
  "required_labels",
  "github_token_file",
  "app_id",
  "app_private_key_file",
  "installation_id",
  "runner_group",
  "webhook_secret_file",
] as const;

const DEFAULT_FIELDS = ENTRY_FIELDS.filter((f) => f !== "id" && f !== "github_url");

/** An entry's id: its webhook path `/webhook/{id}` and its containers' label. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** REPOS_CONFIG_FILE as read: one spec per entry, in the file's order, and every secret value read for the log mask. */
export interface ReposConfig {
  readonly file: string;
  readonly entries: readonly EntrySpec[];
  readonly secrets: readonly string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads REPOS_CONFIG_FILE: `{"repositories": [...], "defaults": {...}}` as
 * seed 004 writes it, plus ci-runner's fields (ENTRY_FIELDS). An entry's
 * missing field comes from `defaults`, else from the environment's variable
 * (MAX_RUNNERS, RUNNER_IMAGE, GH_LABELS, GH_TOKEN or the App, WEBHOOK_SECRET).
 * Anything wrong is a ConfigError naming REPOS_CONFIG_FILE, the file, the
 * entry and the field: one line, exit 78 at start; a reload keeps the last
 * good file.
 */
export function readReposConfig(file: string, base: Config): ReposConfig {
  const fail = (where: string, message: string): never => {
    throw new ConfigError("REPOS_CONFIG_FILE", `${file}: ${where}${message}`);
  };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return fail("", `cannot read it: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not V8's message: it quotes the text around the error, which may be a token.
    return fail("", `not valid JSON at ${jsonErrorAt(text) ?? "an unknown place"} (the text is not shown: it may hold secrets)`);
  }
  if (!isObject(doc)) return fail("", 'expected a JSON object {"repositories": [...], "defaults": {...}}');
  for (const key of Object.keys(doc)) if (key !== "repositories" && key !== "defaults") fail(`${key}: `, 'unknown field (expected "repositories" and "defaults")');
  const defaults = doc.defaults ?? {};
  if (!isObject(defaults)) return fail("defaults: ", "expected an object");
  for (const key of Object.keys(defaults)) {
    if (!(DEFAULT_FIELDS as readonly string[]).includes(key)) fail(`defaults: ${key}: `, `unknown field (expected one of ${DEFAULT_FIELDS.join(", ")})`);
  }
  const list = doc.repositories;
  if (!Array.isArray(list) || list.length === 0) return fail("repositories: ", "expected a non-empty list of entries");
  const seen = new Set<string>();
  const entries: EntrySpec[] = [];
  const secrets: string[] = [];
  list.forEach((raw: unknown, i) => {
    if (!isObject(raw)) return fail(`repositories[${i}]: `, "expected an object");
    const id = raw.id;
    if (typeof id !== "string" || !ID.test(id)) {
      return fail(`repositories[${i}]: id: `, `expected 1-64 chars of A-Z a-z 0-9 _ . - (its webhook path is /webhook/{id}), got ${JSON.stringify(id)}`);
    }
    const where = `entry "${id}": `;
    // Webhook paths and container labels compare ids exactly; two ids differing only in case would confuse people.
    if (seen.has(id.toLowerCase())) fail(where, "id: a second entry with this id (ids are unique, whatever their case)");
    seen.add(id.toLowerCase());
    for (const key of Object.keys(raw)) {
      if (!(ENTRY_FIELDS as readonly string[]).includes(key)) fail(`${where}${key}: `, `unknown field (expected one of ${ENTRY_FIELDS.join(", ")})`);
    }
    try {
      const spec = entrySpec(raw as EntryFields, defaults as EntryFields, base, file);
      entries.push(spec);
      secrets.push(...spec.secrets);
    } catch (e) {
      if (e instanceof ConfigError) fail(where, e.message);
      throw e;
    }
  });
  return { file, entries, secrets };
}
