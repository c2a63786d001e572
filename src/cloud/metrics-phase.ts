import type { RunnerApi, RunnerSummary } from "../github/runner-api.ts";
import { every, failureLog } from "../lifecycle/every.ts";
import type { Phase } from "../lifecycle/phase.ts";
import { fleetCounts, fleetLeader } from "../runner/fleet-leader.ts";
import { awsCredentialsProvider } from "./aws-credentials.ts";
import { createImdsClient } from "./imds-client.ts";
import { putMetricData, type Metric } from "./put-metric-data.ts";
import { uptime, type Uptime } from "./uptime-phase.ts";

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
 * CLOUDWATCH_METRICS=1 (seed 000's autoscaling signal): every
 * METRICS_INTERVAL_SEC, PutMetricData to CLOUDWATCH_NAMESPACE with the scope
 * as dimension: the fleet's IdleRunnersCount, ActiveRunnersCount,
 * OfflineRunnersCount, AllRunnersCount and ActiveRunnersPercent (published by
 * the fleet's leader only), and with BTIME the uptime metrics of this runner.
 * A failing publish is one line when it starts failing and one when it works again.
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
    async stop() {
      stopTicks?.();
    },
  };
}
