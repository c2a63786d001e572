import { connectRunnerApi } from "../github/github-client.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import type { Phase } from "../lifecycle/phase.ts";
import { fleetCounts, fleetLeader } from "../runner/fleet-leader.ts";
import { awsCredentialsProvider } from "./aws-credentials.ts";
import { createImdsClient } from "./imds-client.ts";
import { putMetricData, type Metric } from "./put-metric-data.ts";
import { uptime } from "./uptime-phase.ts";

/**
 * CLOUDWATCH_METRICS=1 (seed 000's autoscaling signal): every
 * METRICS_INTERVAL_SEC, PutMetricData to CLOUDWATCH_NAMESPACE with the scope
 * as dimension: the fleet's IdleRunnersCount, ActiveRunnersCount,
 * OfflineRunnersCount, AllRunnersCount and ActiveRunnersPercent (published by
 * the fleet's leader only), and with BTIME the uptime metrics of this runner.
 * A failing publish is one line when it starts failing and one when it works again.
 */
export function createMetricsPhase(): Phase {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "metrics",
    async start(ctx) {
      const { config, log, state } = ctx;
      if (!config.CLOUDWATCH_METRICS || !config.scope) return;
      const region = config.AWS_REGION as string;
      const endpoint = config.AWS_ENDPOINT_URL_CLOUDWATCH ?? `https://monitoring.${region}.amazonaws.com`;
      const credentials = awsCredentialsProvider(process.env, createImdsClient(config.AWS_EC2_METADATA_SERVICE_ENDPOINT));
      const dimension = { name: config.scope.variable, value: config.scope.name };
      const kind = config.credentials?.kind;
      let api: RunnerApi | undefined;
      if (kind === "pat" || kind === "app") api = await connectRunnerApi(config, log, ctx.stopping);
      else log.warn(`CLOUDWATCH_METRICS: fleet counts need GH_TOKEN or a GitHub App to list runners; only uptime metrics are published`);
      let failing = false;
      let busy = false;
      const tick = async () => {
        if (busy || ctx.stopping.aborted) return;
        busy = true;
        try {
          const metrics: Metric[] = [];
          if (api) {
            const runners = await api.list(ctx.stopping);
            if (fleetLeader(runners, config.RUNNER_NAME_PREFIX) === state.get().runnerName) {
              const c = fleetCounts(runners, config.RUNNER_NAME_PREFIX);
              for (const [name, value] of Object.entries(c)) metrics.push({ name, value, unit: name.endsWith("Percent") ? "Percent" : "Count" });
            }
          }
          if (config.BTIME !== undefined) {
            for (const [name, value] of Object.entries(uptime(config.BTIME, state.get()))) {
              if (value !== undefined) metrics.push({ name, value, unit: "Seconds" });
            }
          }
          if (metrics.length > 0) {
            await putMetricData({ endpoint, region, namespace: config.CLOUDWATCH_NAMESPACE, dimension, metrics, credentials: await credentials() });
            state.setSection("metrics", { publishedAt: new Date().toISOString(), metrics: Object.fromEntries(metrics.map((m) => [m.name, m.value])) });
          }
          if (failing) log.info(`CLOUDWATCH_METRICS: publishing to ${endpoint} works again`);
          failing = false;
        } catch (e) {
          if (!failing) log.warn(`CLOUDWATCH_METRICS: cannot publish to ${endpoint}: ${(e as Error).message}`);
          failing = true;
        } finally {
          busy = false;
        }
      };
      timer = setInterval(() => void tick(), config.METRICS_INTERVAL_SEC * 1000);
      timer.unref();
      log.info(`CLOUDWATCH_METRICS: publishing to ${config.CLOUDWATCH_NAMESPACE} (${dimension.name}=${dimension.value}) every ${config.METRICS_INTERVAL_SEC} s`);
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
