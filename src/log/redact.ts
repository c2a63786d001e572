/**
 * Secrets registered here are replaced by `***` in every line the supervisor
 * prints, including the runner's and the hooks' output it relays. A token
 * that leaks into a hook's `set -x` output must not reach the container log.
 */
const secrets = new Set<string>();

/** Register a secret value; values shorter than 6 chars are ignored (they would mask ordinary words). */
export function addSecret(value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length < 6) return;
  secrets.add(trimmed);
  // Multi-line secrets (PEM keys) leak line by line.
  for (const line of trimmed.split("\n")) {
    if (line.trim().length >= 16) secrets.add(line.trim());
  }
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("***");
  }
  return out;
}
