/** Quotes one word for a POSIX shell (ssh joins its remote arguments into one shell command line). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line a POSIX shell splits back into exactly `words`. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
