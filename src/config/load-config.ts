import { readFileSync } from "node:fs";
import { addSecret } from "../log/redact.ts";
import { ConfigError } from "./config-error.ts";
import { currentUser } from "./current-user.ts";
import { lookupUser, type UserInfo } from "./lookup-user.ts";
import { VARS, type VarName, type VarSpec, type VarValues } from "./vars.ts";

export interface Config extends VarValues {
  /** REST API base: https://api.github.com, or GH_URL + /api/v3 for GitHub Enterprise Server. */
  readonly apiUrl: string;
  /** What config.sh --url gets: GH_URL/owner/repo. */
  readonly runnerUrl: string;
  readonly runnerUser: UserInfo;
  readonly runnerDir: string;
  readonly guestHooksDir: string;
  /** Names of variables whose value came from a secret file. */
  readonly secretFiles: readonly string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

function readSecretFile(dir: string, name: string): string | undefined {
  try {
    return readFileSync(`${dir}/${name}`, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError(name, `cannot read secret file ${dir}/${name}: ${code ?? String(e)}`);
  }
}

/**
 * Builds the one validated, frozen Config from the environment and secret
 * files. Throws ConfigError (exit 78) naming the first bad variable; nothing
 * has been started or registered when it does.
 */
export function loadConfig(
  env: Env,
  users: (name: string) => UserInfo | undefined = lookupUser,
  /** "forward": `ci-runner forward` needs no GitHub settings and no runner user. */
  purpose: "runner" | "forward" = "runner",
): Config {
  // Read first: the secret rows of the table below are looked up in it.
  const secretsDir = env.CI_RUNNER_SECRETS_DIR || VARS.CI_RUNNER_SECRETS_DIR.default;
  const values: Record<string, unknown> = {};
  const secretFiles: string[] = [];
  for (const [name, spec] of Object.entries(VARS) as [VarName, VarSpec<unknown>][]) {
    let raw = env[name];
    if (spec.secret && (raw === undefined || raw === "")) {
      const fromFile = readSecretFile(secretsDir, name);
      if (fromFile !== undefined) {
        raw = name.endsWith("_KEY") ? fromFile : fromFile.trim();
        secretFiles.push(name);
      }
    }
    if (spec.secret) addSecret(raw);
    if (raw === undefined || raw.trim() === "") {
      if (spec.required && purpose === "runner") {
        const where = spec.secret ? ` (or the file ${secretsDir}/${name})` : "";
        throw new ConfigError(name, `required${where}: ${spec.doc}`);
      }
      raw = spec.default;
    }
    values[name] = raw === undefined ? undefined : spec.rule(spec.secret ? raw : raw.trim(), name, spec.secret ?? false);
  }
  const vals = values as unknown as VarValues;

  if ((vals.FORWARD_PORTS === undefined) !== (vals.FORWARD_HOST === undefined)) {
    const missing = vals.FORWARD_PORTS === undefined ? "FORWARD_PORTS" : "FORWARD_HOST";
    throw new ConfigError(missing, "FORWARD_HOST and FORWARD_PORTS go together: set both or neither");
  }

  const runnerUser = purpose === "forward" ? currentUser() : users(vals.RUNNER_USER);
  if (!runnerUser) throw new ConfigError("RUNNER_USER", `no such user "${vals.RUNNER_USER}" in /etc/passwd`);

  const ghUrl = new URL(vals.GH_URL);
  const apiUrl = ghUrl.host === "github.com" ? "https://api.github.com" : `${vals.GH_URL}/api/v3`;

  return Object.freeze({
    ...vals,
    apiUrl,
    runnerUrl: `${vals.GH_URL}/${vals.GH_REPOSITORY ?? ""}`,
    runnerUser,
    runnerDir: vals.RUNNER_DIR ?? `${runnerUser.home}/actions-runner`,
    guestHooksDir: vals.GUEST_HOOKS_DIR ?? runnerUser.home,
    secretFiles: Object.freeze(secretFiles),
  });
}
