import { checkAppPrivateKey } from "./private-key.ts";
import { decodeJitConfig } from "../runner/runner-settings.ts";
import { ConfigError } from "./config-error.ts";
import type { VarValues } from "./vars.ts";

export type Credentials =
  | { readonly kind: "pat"; readonly variable: "GH_TOKEN"; readonly token: string }
  | { readonly kind: "app"; readonly variable: "GH_APP_ID"; readonly appId: number; readonly privateKey: string; readonly installationId: number | undefined }
  | { readonly kind: "runner-token"; readonly variable: "GH_RUNNER_TOKEN"; readonly token: string }
  | { readonly kind: "jit"; readonly variable: "ACTIONS_RUNNER_INPUT_JITCONFIG"; readonly jitConfig: string };

type CredentialValues = Pick<VarValues, "GH_TOKEN" | "GH_APP_ID" | "GH_APP_PRIVATE_KEY" | "GH_APP_INSTALLATION_ID" | "GH_RUNNER_TOKEN" | "ACTIONS_RUNNER_INPUT_JITCONFIG">;

const KINDS = "GH_TOKEN (a PAT), GH_APP_ID with GH_APP_PRIVATE_KEY (a GitHub App), GH_RUNNER_TOKEN (a registration token) or ACTIONS_RUNNER_INPUT_JITCONFIG";

/** Exactly one kind of credential. */
export function resolveCredentials(v: CredentialValues): Credentials {
  if ((v.GH_APP_ID === undefined) !== (v.GH_APP_PRIVATE_KEY === undefined)) {
    const missing = v.GH_APP_ID === undefined ? "GH_APP_ID" : "GH_APP_PRIVATE_KEY";
    throw new ConfigError(missing, "GH_APP_ID and GH_APP_PRIVATE_KEY go together: set both or neither");
  }
  if (v.GH_APP_INSTALLATION_ID !== undefined && v.GH_APP_ID === undefined) {
    throw new ConfigError("GH_APP_INSTALLATION_ID", "needs GH_APP_ID and GH_APP_PRIVATE_KEY");
  }
  const set: Credentials[] = [];
  if (v.GH_TOKEN !== undefined) set.push({ kind: "pat", variable: "GH_TOKEN", token: v.GH_TOKEN.trim() });
  if (v.GH_APP_ID !== undefined && v.GH_APP_PRIVATE_KEY !== undefined) {
    checkAppPrivateKey(v.GH_APP_PRIVATE_KEY, "GH_APP_PRIVATE_KEY");
    set.push({ kind: "app", variable: "GH_APP_ID", appId: v.GH_APP_ID, privateKey: v.GH_APP_PRIVATE_KEY, installationId: v.GH_APP_INSTALLATION_ID });
  }
  if (v.GH_RUNNER_TOKEN !== undefined) set.push({ kind: "runner-token", variable: "GH_RUNNER_TOKEN", token: v.GH_RUNNER_TOKEN.trim() });
  if (v.ACTIONS_RUNNER_INPUT_JITCONFIG !== undefined) {
    // The runner exits 0 on a config it cannot read, as after its one job: nobody would hear of it.
    if (decodeJitConfig(v.ACTIONS_RUNNER_INPUT_JITCONFIG) === undefined) {
      throw new ConfigError(
        "ACTIONS_RUNNER_INPUT_JITCONFIG",
        "expected a JIT config as generate-jitconfig returns it (encoded_jit_config: base64 of a JSON object), got one that does not decode (cut short in the paste?); the value is secret, not shown",
      );
    }
    set.push({ kind: "jit", variable: "ACTIONS_RUNNER_INPUT_JITCONFIG", jitConfig: v.ACTIONS_RUNNER_INPUT_JITCONFIG.trim() });
  }
  if (set.length === 0) throw new ConfigError("GH_TOKEN", `required: a credential, exactly one of ${KINDS}`);
  if (set.length > 1) {
    const names = set.map((c) => c.variable).join(" and ");
    throw new ConfigError(set.map((c) => c.variable).join(", "), `set exactly one kind of credential; ${names} are all set`);
  }
  return set[0] as Credentials;
}
