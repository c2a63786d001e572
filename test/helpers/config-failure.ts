import { ConfigError } from "../../src/config/config-error.ts";

/** The ConfigError `fn` throws (any other error is rethrown; none is a test failure). */
export function configFailure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}
