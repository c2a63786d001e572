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
