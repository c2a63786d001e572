/**
 * Secrets registered here are replaced by `***` in every line the supervisor
 * prints, including the runner's and the hooks' output it relays. A token
 * that leaks into a hook's `set -x` output must not reach the container log.
 */
const permanent = new Set<string>();
/** Short-lived secrets (registration tokens, role credentials), newest last. */
const rotating = new Set<string>();

/**
 * Rotating secrets kept masked. A supervisor that runs for months fetches a
 * new role credential every hour: without a bound the set, and the work per
 * printed line, would grow forever. The oldest kept has long expired.
 */
const ROTATING_KEPT = 64;

/**
 * Register a secret value; values shorter than 6 chars are ignored (they
 * would mask ordinary words). `rotating`: a value that expires and is
 * replaced (registration tokens, cloud role credentials), kept among the
 * newest ROTATING_KEPT only.
 */
export function addSecret(value: string | undefined, lifetime: "permanent" | "rotating" = "permanent"): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length < 6) return;
  const into = lifetime === "permanent" ? permanent : rotating;
  const add = (s: string): void => {
    into.delete(s); // re-added: now the newest
    into.add(s);
  };
  add(trimmed);
  // Multi-line secrets (PEM keys) leak line by line.
  for (const line of trimmed.split("\n")) {
    if (line.trim().length >= 16) add(line.trim());
  }
  while (rotating.size > ROTATING_KEPT) rotating.delete(rotating.values().next().value as string);
}

/** How many values are masked now (bounded: see ROTATING_KEPT). */
export function maskedCount(): number {
  return permanent.size + rotating.size;
}

export function redact(text: string): string {
  let out = text;
  for (const set of [permanent, rotating]) {
    for (const s of set) {
      if (out.includes(s)) out = out.split(s).join("***");
    }
  }
  return out;
}
