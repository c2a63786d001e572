import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/config-error.ts";

/** CONTROLLER_ID's rule. */
const ID = /^[a-z0-9][a-z0-9-]{0,19}$/;

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/**
 * The id kept in DATA_DIR/controller-id: made once (8 random hex digits),
 * then read at every start, so that a restarted controller adopts its own
 * containers, and a controller with another DATA_DIR (another compose
 * project's volume) on the same engine never takes another's for its own.
 * A DATA_DIR an earlier version already served from (an entry's state file
 * there) keeps `earlier`, the id its containers carry.
 */
export function controllerIdFile(dataDir: string, earlier: string): string {
  const file = join(dataDir, "controller-id");
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    if (code(e) !== "ENOENT") throw new ConfigError("DATA_DIR", `cannot read ${file}: ${code(e)}`);
  }
  if (text !== undefined) {
    if (!ID.test(text)) throw new ConfigError("DATA_DIR", `${file} holds "${text.slice(0, 40)}", not a controller id (1-20 chars of a-z 0-9 -): remove it (a new id is made) or set CONTROLLER_ID`);
    return text;
  }
  try {
    const served = readdirSync(dataDir).some((n) => /^controller-state\..+\.json$/.test(n));
    const id = served ? earlier : randomBytes(4).toString("hex");
    // Whole or not at all: a half-written id would be another controller's after a crash.
    writeFileSync(`${file}.tmp`, `${id}\n`);
    renameSync(`${file}.tmp`, file);
    return id;
  } catch (e) {
    throw new ConfigError("DATA_DIR", `cannot write ${file}: ${code(e)}`);
  }
}
