import type { RunnerApi, RunnerSummary } from "../github/runner-api.ts";
import { httpFetch } from "../http/http-fetch.ts";
import { every, failureLog } from "../lifecycle/every.ts";
import type { Phase } from "../lifecycle/phase.ts";
import type { Logger } from "../log/logger.ts";
import { fleetCounts, fleetLeader } from "../runner/gc-offline-phase.ts";
import { createImdsClient, type ImdsClient } from "./imds-client.ts";
import { signAwsV4, type AwsCredentials } from "./sign-aws-v4.ts";
import { uptime, type Uptime } from "./uptime-phase.ts";

interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: "Count" | "Percent" | "Seconds";
}

interface PutMetricDataInput {
  readonly endpoint: string;
  readonly region: string;
  readonly namespace: string;
  readonly dimension: { readonly name: string; readonly value: string };
  readonly metrics: readonly Metric[];
  readonly credentials: AwsCredentials;
}

/** CloudWatch's Query API `PutMetricData` (form-encoded POST, SigV4, service "monitoring"), 1 s storage resolution. */
async function putMetricData(input: PutMetricDataInput): Promise<void> {
  const form = new URLSearchParams({ Action: "PutMetricData", Version: "2010-08-01", Namespace: input.namespace });
  input.metrics.forEach((m, i) => {
    const p = `MetricData.member.${i + 1}`;
    form.set(`${p}.MetricName`, m.name);
    form.set(`${p}.Value`, String(m.value));
    form.set(`${p}.Unit`, m.unit);
    form.set(`${p}.StorageResolution`, "1");
    form.set(`${p}.Dimensions.member.1.Name`, input.dimension.name);
    form.set(`${p}.Dimensions.member.1.Value`, input.dimension.value);
  });
  const body = form.toString();
  const url = new URL(input.endpoint.endsWith("/") ? input.endpoint : `${input.endpoint}/`);
  const headers = signAwsV4({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
    region: input.region,
    service: "monitoring",
    credentials: input.credentials,
  });
  const res = await httpFetch(url, { method: "POST", headers, body });
  if (res.status !== 200) {
    const text = await res.text();
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
    throw new Error(`PutMetricData answered ${res.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`);
  }
}

/** Role credentials this close to their expiry are fetched again. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * AWS credentials as the SDKs find them, in the order that matters here: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else the instance role from IMDS. Every secret part is masked.
 */
function awsCredentialsProvider(env: NodeJS.ProcessEnv, imds: ImdsClient, log: Pick<Logger, "mask">): () => Promise<AwsCredentials> {
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

/** The fleet's counts, from its leader only (so N runners publish one set). */
function fleetMetrics(runners: readonly RunnerSummary[], prefix: string, self: string | undefined): Metric[] {
  if (fleetLeader(runners, prefix) !== self) return [];
  return Object.entries(fleetCounts(runners, prefix)).map(([name, value]) => ({ name, value, unit: name.endsWith("Percent") ? "Percent" : "Count" }));
}

function uptimeMetrics(u: Uptime): Metric[] {
  return Object.entries(u)
    .filter((e): e is [string, number] => e[1] !== undefined)
    .map(([name, value]) => ({ name, value, unit: "Seconds" }));
}

/**
 * CLOUDWATCH_METRICS=1 (seed 000's autoscaling signal): every METRICS_INTERVAL_SEC, the fleet's counts (from
 * its leader only) and, with BTIME, this runner's uptime metrics to CLOUDWATCH_NAMESPACE, the scope as dimension.
 */
export function createMetricsPhase(): Phase {
  let stopTicks: (() => void) | undefined;
  return {
    name: "metrics",
    async start(ctx) {
      const { config, log, state, runner } = ctx;
      if (!config.CLOUDWATCH_METRICS || !config.scope) return;
      const region = config.AWS_REGION as string;
      const endpoint = config.AWS_ENDPOINT_URL_CLOUDWATCH ?? `https://monitoring.${region}.amazonaws.com`;
      const credentials = awsCredentialsProvider(process.env, createImdsClient(config.AWS_EC2_METADATA_SERVICE_ENDPOINT), log);
      const dimension = { name: config.scope.variable, value: config.scope.name };
      const kind = config.credentials?.kind;
      let api: RunnerApi | undefined;
      if (kind === "pat" || kind === "app") api = await ctx.github();
      else log.warn(`CLOUDWATCH_METRICS: fleet counts need GH_TOKEN or a GitHub App to list runners; only uptime metrics are published`);
      const failures = failureLog(log, `CLOUDWATCH_METRICS: cannot publish to ${endpoint}`);
      stopTicks = every(
        config.METRICS_INTERVAL_SEC * 1000,
        async () => {
          const metrics = [
            ...(api ? fleetMetrics(await api.list(ctx.stopping), config.RUNNER_NAME_PREFIX, runner.name) : []),
            ...(config.BTIME !== undefined ? uptimeMetrics(uptime(config.BTIME, ctx)) : []),
          ];
          if (metrics.length > 0) {
            await putMetricData({ endpoint, region, namespace: config.CLOUDWATCH_NAMESPACE, dimension, metrics, credentials: await credentials() });
            state.setSection("metrics", { publishedAt: new Date().toISOString(), metrics: Object.fromEntries(metrics.map((m) => [m.name, m.value])) });
          }
          failures.ok();
        },
        failures.failed,
      );
      log.info(`CLOUDWATCH_METRICS: publishing to ${config.CLOUDWATCH_NAMESPACE} (${dimension.name}=${dimension.value}) every ${config.METRICS_INTERVAL_SEC} s`);
    },
    stop: async () => stopTicks?.(),
  };
}
