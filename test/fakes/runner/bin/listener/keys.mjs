// The runner's RSA key: .credentials_rsaparams holds its parameters in
// .NET's names; the listener signs OAuth client assertions (RS256 JWT) with it.
import { createPrivateKey, createSign, generateKeyPairSync, randomUUID } from "node:crypto";

const NAMES = { d: "d", dp: "dp", dq: "dq", e: "exponent", qi: "inverseQ", n: "modulus", p: "p", q: "q" };

/** A new key pair; 1024 bits (the real runner: 2048) because configure runs in many tests and nothing checks the size. */
export function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const jwk = privateKey.export({ format: "jwk" });
  const params = {};
  for (const [j, dotnet] of Object.entries(NAMES)) params[dotnet] = Buffer.from(jwk[j], "base64url").toString("base64");
  return { publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), rsaParams: params };
}

function keyFromParams(params) {
  const jwk = { kty: "RSA" };
  for (const [j, dotnet] of Object.entries(NAMES)) jwk[j] = Buffer.from(params[dotnet], "base64").toString("base64url");
  return createPrivateKey({ key: jwk, format: "jwk" });
}

/** A client assertion for the runner service's token endpoint. */
export function clientAssertion(rsaParams, clientId, audience) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ sub: clientId, iss: clientId, aud: audience, jti: randomUUID(), nbf: now - 30, iat: now - 30, exp: now + 270 })}`;
  const signer = createSign("RSA-SHA256");
  signer.update(unsigned);
  return `${unsigned}.${signer.sign(keyFromParams(rsaParams)).toString("base64url")}`;
}
