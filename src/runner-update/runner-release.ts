import { httpFetch } from "../http/http-fetch.ts";

/** `2.336.0` as numbers; undefined when it is not three dot-separated integers. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True when `candidate` is a later release than `installed` (both as parseVersion takes them). */
export function isNewer(candidate: string, installed: string): boolean {
  const a = parseVersion(candidate);
  const b = parseVersion(installed);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) {
    if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  }
  return false;
}

/** The linux tarball of one actions/runner release for this machine's architecture. */
export interface RunnerRelease {
  readonly version: string;
  readonly assetName: string;
  readonly downloadUrl: string;
  /** Lower-case hex SHA-256 that the release publishes for the asset. */
  readonly sha256: string;
}

/** The runner's name for an architecture (`x64`, `arm64`, `arm`), or undefined when it has no build. */
export function runnerArch(arch: NodeJS.Architecture = process.arch): string | undefined {
  return ["x64", "arm64", "arm"].includes(arch) ? arch : undefined;
}

interface ReleaseJson {
  tag_name?: unknown;
  body?: unknown;
  assets?: { name?: unknown; browser_download_url?: unknown; digest?: unknown }[];
}

/**
 * The asset and its checksum from a release as GitHub's API returns it: the asset's `digest` when the API gives
 * one, else the sum the notes carry between `<!-- BEGIN SHA linux-x64 -->` and `<!-- END SHA linux-x64 -->`.
 */
export function parseRelease(json: unknown, arch: string): RunnerRelease {
  const r = (json ?? {}) as ReleaseJson;
  const version = typeof r.tag_name === "string" ? r.tag_name.replace(/^v/, "") : "";
  if (!parseVersion(version)) throw new Error(`the release has no version tag (tag_name ${JSON.stringify(r.tag_name)})`);
  const assetName = `actions-runner-linux-${arch}-${version}.tar.gz`;
  const asset = (Array.isArray(r.assets) ? r.assets : []).find((a) => a.name === assetName);
  if (!asset || typeof asset.browser_download_url !== "string") throw new Error(`release ${version} has no asset ${assetName}`);
  const digest = typeof asset.digest === "string" ? /^sha256:([0-9a-f]{64})$/i.exec(asset.digest)?.[1] : undefined;
  const marker = `linux-${arch}`;
  const inNotes = typeof r.body === "string" ? new RegExp(`<!-- BEGIN SHA ${marker} -->([0-9a-f]{64})<!-- END SHA ${marker} -->`, "i").exec(r.body)?.[1] : undefined;
  const sha256 = (digest ?? inNotes)?.toLowerCase();
  if (!sha256) throw new Error(`release ${version} publishes no SHA-256 for ${assetName}`);
  return { version, assetName, downloadUrl: asset.browser_download_url, sha256 };
}

/** Asks the release source (RUNNER_RELEASES_URL) for the latest release; throws with a one-line reason. */
export async function latestRelease(url: string, arch: string, signal: AbortSignal): Promise<RunnerRelease> {
  const res = await httpFetch(url, { headers: { accept: "application/vnd.github+json", "user-agent": "ci-runner" }, signal });
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`.trim());
  const json = await res.json().catch(() => {
    throw new Error(`${url} did not answer JSON`);
  });
  return parseRelease(json, arch);
}
