import { httpFetch } from "../http/http-fetch.ts";

/** Answers of the EC2 instance metadata service (IMDSv2) that the watchers need. */
export interface ImdsClient {
  /** The body of `latest/<path>`, or undefined on 404; throws when IMDS does not answer. */
  get(path: string): Promise<string | undefined>;
}

/**
 * IMDSv2: a session token (PUT, 6 h), then GETs with it; the token is
 * fetched again when it expires or is refused. Short timeouts: off AWS the
 * address does not answer at all.
 */
export function createImdsClient(endpoint: string, timeoutMs = 1000): ImdsClient {
  const base = new URL(endpoint.endsWith("/") ? endpoint : `${endpoint}/`);
  let token: { value: string; until: number } | undefined;
  const fresh = async (): Promise<string> => {
    if (token && token.until > Date.now()) return token.value;
    const res = await httpFetch(new URL("latest/api/token", base), { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, timeoutMs });
    if (res.status !== 200) throw new Error(`IMDS token request answered ${res.status}`);
    token = { value: (await res.text()).trim(), until: Date.now() + 6 * 3600_000 - 60_000 };
    return token.value;
  };
  return {
    async get(path) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await httpFetch(new URL(`latest/${path}`, base), { headers: { "x-aws-ec2-metadata-token": await fresh() }, timeoutMs });
        if (res.status === 401) {
          token = undefined;
          continue;
        }
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw new Error(`IMDS ${path} answered ${res.status}`);
        return res.text();
      }
      throw new Error(`IMDS refused its own token for ${path}`);
    },
  };
}
