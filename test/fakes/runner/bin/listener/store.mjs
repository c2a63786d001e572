// The runner's local configuration files: .runner (settings, UTF-8 with BOM,
// camelCase keys), .credentials and .credentials_rsaparams (mode 600).
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { line, success } from "./term.mjs";

export function createStore(root) {
  const file = (name) => join(root, name);
  const readJson = (name) => JSON.parse(readFileSync(file(name), "utf8").replace(/^\uFEFF/, ""));
  return {
    root,
    isConfigured: () => existsSync(file(".runner")),
    hasCredentials: () => existsSync(file(".credentials")),
    settings: () => readJson(".runner"),
    credentials: () => readJson(".credentials"),
    rsaParams: () => readJson(".credentials_rsaparams"),
    saveSettings(settings) {
      writeFileSync(file(".runner"), "\uFEFF" + JSON.stringify(settings, null, 2));
    },
    saveCredentials(credentials, rsaParams) {
      writeFileSync(file(".credentials"), "\uFEFF" + JSON.stringify(credentials, null, 2));
      writeFileSync(file(".credentials_rsaparams"), "\uFEFF" + JSON.stringify(rsaParams), { mode: 0o600 });
      chmodSync(file(".credentials_rsaparams"), 0o600);
    },
    /** Writes one file of a JIT config as given (base64-decoded bytes). */
    writeRaw(name, bytes) {
      writeFileSync(file(name), bytes);
      if (name === ".credentials_rsaparams") chmodSync(file(name), 0o600);
    },
    /** Removes .credentials (and the key) and .runner, saying so like the real listener. */
    deleteLocalConfig() {
      if (existsSync(file(".credentials"))) {
        rmSync(file(".credentials"), { force: true });
        rmSync(file(".credentials_rsaparams"), { force: true });
        success("Removed .credentials");
      } else {
        line("Does not exist. Skipping Removing .credentials");
      }
      if (existsSync(file(".runner"))) {
        rmSync(file(".runner"), { force: true });
        success("Removed .runner");
      } else {
        line("Does not exist. Skipping Removing .runner");
      }
    },
  };
}
