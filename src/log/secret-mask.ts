/** Short-lived secrets (registration tokens, role credentials) keep only this many, newest last. */
const ROTATING_KEPT = 64;

export type SecretLifetime = "permanent" | "rotating";

/**
 * The secrets of one supervisor run, each replaced by `***` in every line
 * its logger prints, the relayed output of runner and hooks included: a
 * token that leaks into a hook's `set -x` output must not reach the
 * container log. Rotating secrets are bounded: a supervisor that runs for
 * months fetches a new role credential every hour, and without a bound the
 * set, and the work per printed line, would grow forever; the oldest kept
 * has long expired.
 */
export class SecretMask {
  readonly #permanent = new Set<string>();
  readonly #rotating = new Set<string>();

  /**
   * Masks `value` from now on; values shorter than 6 chars are ignored
   * (they would mask ordinary words); each line of a multi-line value
   * (a PEM key leaks line by line) is masked too.
   */
  add(value: string | undefined, lifetime: SecretLifetime = "permanent"): void {
    if (value === undefined) return;
    const trimmed = value.trim();
    if (trimmed.length < 6) return;
    const into = lifetime === "permanent" ? this.#permanent : this.#rotating;
    const add = (s: string): void => {
      into.delete(s); // re-added: now the newest
      into.add(s);
    };
    add(trimmed);
    for (const line of trimmed.split("\n")) {
      if (line.trim().length >= 16) add(line.trim());
    }
    while (this.#rotating.size > ROTATING_KEPT) this.#rotating.delete(this.#rotating.values().next().value as string);
  }

  /** How many values are masked now (bounded: see ROTATING_KEPT). */
  get size(): number {
    return this.#permanent.size + this.#rotating.size;
  }

  redact(text: string): string {
    let out = text;
    for (const set of [this.#permanent, this.#rotating]) {
      for (const s of set) {
        if (out.includes(s)) out = out.split(s).join("***");
      }
    }
    return out;
  }
}
