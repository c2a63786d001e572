import { statSync } from "node:fs";
import { ConfigError } from "./config-error.ts";
import { pattern, type Rule } from "./rules.ts";

/** Where glibc (hooks, the runner, jobs) looks zones up; the image installs tzdata. */
export const ZONEINFO_DIR = "/usr/share/zoneinfo";

const NAME = pattern(/^[-+_/a-zA-Z0-9]+$/, "a time zone name such as Europe/Berlin");

function isZoneFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function icuKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A time zone that both glibc (hooks, the runner, jobs) and Node's ICU (log timestamps) know: an unknown name
 * would fall back to UTC silently, each side on its own.
 */
export function timeZone(zoneinfoDir: string = ZONEINFO_DIR): Rule<string> {
  return (raw, name, secret) => {
    const zone = NAME(raw, name, secret);
    if (!isZoneFile(`${zoneinfoDir}/${zone}`) || !icuKnows(zone)) {
      throw new ConfigError(name, `unknown time zone "${zone}" (no ${zoneinfoDir}/${zone}; names as in tzdata, such as Europe/Berlin or UTC)`);
    }
    return zone;
  };
}
