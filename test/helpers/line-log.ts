import { HANG_GUARD_MS } from "./hang-guard.ts";

/**
 * Lines printed by a process under test, and waits for one of them: the
 * way tests synchronise on what a user would read. `CI_RUNNER_TEST_VERBOSE`
 * echoes every line to stderr.
 */
export class LineLog {
  readonly lines: string[] = [];
  readonly #waiters: { re: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  #ended: string | undefined;

  push(line: string): void {
    this.lines.push(line);
    if (process.env.CI_RUNNER_TEST_VERBOSE) process.stderr.write(`  | ${line}\n`);
    for (const w of [...this.#waiters]) {
      if (w.re.test(line)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** No more lines will come (the process exited): waits still pending fail with `why`. */
  end(why: string): void {
    this.#ended = why;
    for (const w of this.#waiters.splice(0)) w.reject(new Error(`${why} before a line matching ${w.re}; output:\n${this.text()}`));
  }

  text(): string {
    return this.lines.join("\n");
  }

  /**
   * Resolves with the first line matching `re`, already printed or later;
   * rejects at the end, or after `timeoutMs` (default: a hang guard, never a
   * statement about speed).
   */
  waitFor(re: RegExp, timeoutMs = HANG_GUARD_MS): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#ended !== undefined) return Promise.reject(new Error(`${this.#ended} before a line matching ${re}; output:\n${this.text()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${this.text()}`));
      }, timeoutMs);
      const w = {
        re,
        resolve: (l: string) => (clearTimeout(timer), resolve(l)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.push(w);
    });
  }
}
