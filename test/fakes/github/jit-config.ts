import { generateKeyPair, type KeyObject } from "node:crypto";
import type { RunnerRecord } from "./runner-registry.ts";
import { scopeWebPath } from "./scope.ts";

/** Base of the fake's own runner protocol (what `.runner` calls serverUrl). */
export const RUNNER_PROTOCOL_PATH = "/_fake/runner";

export interface RunnerKey {
  publicKeyPem: string;
  privateKey: KeyObject;
}

/**
 * The key GitHub's JIT endpoint gives a runner. The fake makes one per
 * server and shares it among its JIT runners: RSA key generation costs up
 * to a second on a loaded machine, and runners are still told apart by
 * their client ids.
 */
export function jitKeySource(): () => Promise<RunnerKey> {
  let key: Promise<RunnerKey> | undefined;
  return () =>
    (key ??= new Promise<RunnerKey>((resolve, reject) => {
      generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) => {
        if (err) return reject(err);
        resolve({ publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey });
      });
    }));
}

/** `.credentials_rsaparams`: the RSA parameters in .NET's names, standard base64. */
export function rsaParams(privateKey: KeyObject): Record<string, string> {
  const jwk = privateKey.export({ format: "jwk" });
  const b64 = (v: string | undefined): string => Buffer.from(v ?? "", "base64url").toString("base64");
  return {
    d: b64(jwk.d),
    dp: b64(jwk.dp),
    dq: b64(jwk.dq),
    exponent: b64(jwk.e),
    inverseQ: b64(jwk.qi),
    modulus: b64(jwk.n),
    p: b64(jwk.p),
    q: b64(jwk.q),
  };
}

/**
 * `encoded_jit_config`: base64 of `{".runner": b64, ".credentials": b64,
 * ".credentials_rsaparams": b64}`, the files `run.sh --jitconfig` writes.
 */
export function encodeJitConfig(runner: RunnerRecord, privateKey: KeyObject, origin: string, workFolder: string, poolName: string): string {
  const settings = {
    agentId: runner.id,
    agentName: runner.name,
    poolId: runner.runner_group_id,
    poolName,
    serverUrl: origin + RUNNER_PROTOCOL_PATH,
    gitHubUrl: origin + scopeWebPath(runner.scope),
    workFolder,
    ephemeral: true,
    ...(runner.disableUpdate ? { disableUpdate: true } : {}),
  };
  const credentials = {
    scheme: "OAuth",
    data: {
      clientId: runner.clientId,
      authorizationUrl: `${origin}${RUNNER_PROTOCOL_PATH}/oauth/token`,
      requireFipsCryptography: "True",
    },
  };
  const files: Record<string, string> = {
    ".runner": b64json(settings, true),
    ".credentials": b64json(credentials, false),
    ".credentials_rsaparams": b64json(rsaParams(privateKey), false),
  };
  return Buffer.from(JSON.stringify(files)).toString("base64");
}

function b64json(value: unknown, bom: boolean): string {
  return Buffer.from((bom ? "\uFEFF" : "") + JSON.stringify(value, null, 2)).toString("base64");
}
