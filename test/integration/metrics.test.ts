import t from "tap";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setupRig } from "../helpers/rig.ts";

interface Put {
  params: URLSearchParams;
  authorization: string;
}

/** A fake CloudWatch Query endpoint on 127.0.0.1 that records PutMetricData calls. */
async function fakeCloudWatch(t: { teardown(fn: () => unknown): void }, status = 200) {
  const puts: Put[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      puts.push({ params: new URLSearchParams(body), authorization: String(req.headers.authorization ?? "") });
      if (status !== 200) return res.writeHead(status).end("<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>");
      res.writeHead(200, { "content-type": "text/xml" }).end("<PutMetricDataResponse/>");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return { puts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function metrics(p: URLSearchParams): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; p.has(`MetricData.member.${i}.MetricName`); i++) out[p.get(`MetricData.member.${i}.MetricName`) as string] = Number(p.get(`MetricData.member.${i}.Value`));
  return out;
}

const AWS = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIDTESTTESTTEST", AWS_SECRET_ACCESS_KEY: "secretAccessKeyNeverPrinted0123456789" };

t.test("CLOUDWATCH_METRICS: the fleet leader publishes counts and uptime, SigV4-signed", async (t) => {
  const cw = await fakeCloudWatch(t);
  const rig = await setupRig(t);
  const sup = rig.start({
    ...AWS,
    CLOUDWATCH_METRICS: "1",
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.url,
    METRICS_INTERVAL_SEC: "1",
    BTIME: String(Math.floor(Date.now() / 1000) - 100),
    RUNNER_NAME: "",
    RUNNER_NAME_PREFIX: "cwfleet",
  });
  await sup.waitForLine(/Listening for Jobs/);
  await rig.fake.waitFor(() => cw.puts.some((p) => "ActiveRunnersPercent" in metrics(p.params) && "RunnerUptimeSec" in metrics(p.params)));
  const put = cw.puts.find((p) => "ActiveRunnersPercent" in metrics(p.params) && "RunnerUptimeSec" in metrics(p.params)) as Put;
  t.equal(put.params.get("Action"), "PutMetricData");
  t.equal(put.params.get("Namespace"), "ci-storage/metrics");
  t.equal(put.params.get("MetricData.member.1.Dimensions.member.1.Name"), "GH_REPOSITORY");
  t.equal(put.params.get("MetricData.member.1.Dimensions.member.1.Value"), "octo/hello");
  const m = metrics(put.params);
  t.same([m.IdleRunnersCount, m.ActiveRunnersCount, m.AllRunnersCount, m.ActiveRunnersPercent], [1, 0, 1, 0], "one idle runner: 0 % active");
  t.ok((m.InstanceUptimeSec ?? 0) >= 100);
  t.match(put.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST\/\d{8}\/eu-west-1\/monitoring\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.notMatch(sup.output(), /secretAccessKeyNeverPrinted/);
});

t.test("CLOUDWATCH_METRICS: a refused publish is one line; AWS_REGION is required", async (t) => {
  const cw = await fakeCloudWatch(t, 403);
  const rig = await setupRig(t);
  const sup = rig.start({ ...AWS, CLOUDWATCH_METRICS: "1", AWS_ENDPOINT_URL_CLOUDWATCH: cw.url, METRICS_INTERVAL_SEC: "1", RUNNER_NAME: "" });
  await sup.waitForLine(/Listening for Jobs/);
  // Three refused publishes, then the whole output (at exit): one line for all of them.
  await rig.fake.waitFor(() => cw.puts.length >= 3);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(sup.lines.filter((l) => /CLOUDWATCH_METRICS: cannot publish to .*403 AccessDenied: not allowed/.test(l)).length, 1, "one line, not one per publish");
  const bad = rig.start({ CLOUDWATCH_METRICS: "1" });
  t.equal((await bad.exited).code, 78);
  t.match(bad.output(), /AWS_REGION: required with CLOUDWATCH_METRICS=1/);
});
