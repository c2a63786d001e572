import { httpFetch } from "../http/http-fetch.ts";
import { signAwsV4, type AwsCredentials } from "./sign-aws-v4.ts";

export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: "Count" | "Percent" | "Seconds";
}

export interface PutMetricDataInput {
  readonly endpoint: string;
  readonly region: string;
  readonly namespace: string;
  readonly dimension: { readonly name: string; readonly value: string };
  readonly metrics: readonly Metric[];
  readonly credentials: AwsCredentials;
}

/** CloudWatch's Query API `PutMetricData` (form-encoded POST, SigV4, service "monitoring"), 1 s storage resolution. */
export async function putMetricData(input: PutMetricDataInput): Promise<void> {
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
