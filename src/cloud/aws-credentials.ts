import type { Logger } from "../log/logger.ts";
import type { ImdsClient } from "./imds-client.ts";
import type { AwsCredentials } from "./sign-aws-v4.ts";

/** Role credentials this close to their expiry are fetched again. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * AWS credentials as the SDKs find them, in the order that matters here: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else the instance role from IMDS. Every secret part is masked.
 */
export function awsCredentialsProvider(env: NodeJS.ProcessEnv, imds: ImdsClient, log: Pick<Logger, "mask">): () => Promise<AwsCredentials> {
  let cached: { creds: AwsCredentials; until: number } | undefined;
  return async () => {
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    if (id && secret) {
      log.mask(secret);
      log.mask(env.AWS_SESSION_TOKEN);
      return { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN || undefined };
    }
    if (cached && cached.until > Date.now()) return cached.creds;
    const role = (await imds.get("meta-data/iam/security-credentials/"))?.split("\n")[0]?.trim();
    if (!role) throw new Error("no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and no instance role in IMDS");
    const body = await imds.get(`meta-data/iam/security-credentials/${role}`);
    const json = JSON.parse(body ?? "{}") as { AccessKeyId?: string; SecretAccessKey?: string; Token?: string; Expiration?: string };
    if (!json.AccessKeyId || !json.SecretAccessKey) throw new Error(`IMDS gave no credentials for role ${role}`);
    log.mask(json.SecretAccessKey, "rotating");
    log.mask(json.Token, "rotating");
    const creds = { accessKeyId: json.AccessKeyId, secretAccessKey: json.SecretAccessKey, sessionToken: json.Token };
    cached = { creds, until: (json.Expiration ? Date.parse(json.Expiration) : Date.now() + 3600_000) - REFRESH_MARGIN_MS };
    return creds;
  };
}
