/** A configuration error: the supervisor prints `message` as one line and exits 78 (EX_CONFIG). */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

export const EXIT_CONFIG = 78;

/** `fn()`, or EXIT_CONFIG after `report` got its ConfigError's one line; other errors go on. */
export async function exitOnConfigError(report: (line: string) => void, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(e.message);
    return EXIT_CONFIG;
  }
}
