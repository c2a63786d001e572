import { createPrivateKey, randomUUID } from "node:crypto";
import type { FakeGitHub } from "./fake-github.ts";
import { signJwtRs256 } from "./jwt.ts";
import type { JobResult } from "./types.ts";

/** An in-process stand-in for a runner's listener, speaking the fake's runner protocol. */
export interface TestListener {
  readonly runnerId: number;
  readonly sessionId: string;
  /** One long poll: the next message (`{type: "job", job}` / `{type: "cancel", jobId}`), or undefined when none came. */
  poll(waitMs?: number): Promise<unknown>;
  log(jobId: number, text: string): Promise<void>;
  complete(jobId: number, result: JobResult): Promise<void>;
  /** Ends the session (the runner goes offline). */
  close(): Promise<void>;
}

const RSA_NAMES: Record<string, string> = { d: "d", dp: "dp", dq: "dq", e: "exponent", qi: "inverseQ", n: "modulus", p: "p", q: "q" };

function file(files: Record<string, string>, name: string): Record<string, unknown> {
  const text = Buffer.from(files[name] ?? "", "base64").toString("utf8").replace(/^\uFEFF/, "");
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Connects a runner registered through generate-jitconfig (its
 * `encoded_jit_config`) without running the fake runner: OAuth with the
 * JIT key, then a session. Makes a runner online/busy for REST tests in
 * milliseconds.
 */
export async function connectListener(gh: FakeGitHub, encodedJitConfig: string): Promise<TestListener> {
  const files = JSON.parse(Buffer.from(encodedJitConfig, "base64").toString("utf8")) as Record<string, string>;
  const settings = file(files, ".runner") as { agentId: number; serverUrl: string };
  const creds = (file(files, ".credentials") as { data: { clientId: string; authorizationUrl: string } }).data;
  const params = file(files, ".credentials_rsaparams") as Record<string, string>;
  const jwk: Record<string, string> = { kty: "RSA" };
  for (const [j, dotnet] of Object.entries(RSA_NAMES)) jwk[j] = Buffer.from(params[dotnet] ?? "", "base64").toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const assertion = signJwtRs256(
    { sub: creds.clientId, iss: creds.clientId, aud: creds.authorizationUrl, jti: randomUUID(), iat: now - 30, exp: now + 270 },
    createPrivateKey({ key: jwk, format: "jwk" }),
  );
  // The JIT config names the fake as reached by whoever asked for it; talk to this fake's URL.
  const base = settings.serverUrl.replace(/^http:\/\/[^/]+/, gh.url);
  const oauth = await fetch(creds.authorizationUrl.replace(/^http:\/\/[^/]+/, gh.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_assertion: assertion }).toString(),
  });
  if (oauth.status !== 200) throw new Error(`oauth: ${oauth.status} ${await oauth.text()}`);
  const { access_token: token } = (await oauth.json()) as { access_token: string };
  const send = async (method: string, path: string, body?: string, type = "application/json"): Promise<Response> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": type } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const { sessionId } = (await (await send("POST", "/sessions", JSON.stringify({ version: "2.336.0" }))).json()) as { sessionId: string };
  return {
    runnerId: settings.agentId,
    sessionId,
    poll: async (waitMs = 5000) => {
      const res = await send("GET", `/sessions/${sessionId}/messages?waitMs=${waitMs}`);
      return res.status === 200 ? ((await res.json()) as unknown) : undefined;
    },
    log: async (jobId, text) => void (await send("POST", `/jobs/${jobId}/log`, text, "text/plain")),
    complete: async (jobId, result) => void (await send("POST", `/jobs/${jobId}/complete`, JSON.stringify({ result }))),
    close: async () => void (await send("DELETE", `/sessions/${sessionId}`).catch(() => undefined)),
  };
}
