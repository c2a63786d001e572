/**
 * A stand-in for GitHub's actions/runner releases (test fixture), on
 * 127.0.0.1: `GET /latest` answers like `GET /repos/actions/runner/releases/latest`
 * (tag_name, body with the `<!-- BEGIN SHA linux-<arch> -->` sums, assets with
 * browser_download_url), and the download redirects once, as github.com does,
 * before serving the tarball.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeReleasesOptions {
  readonly version: string;
  /** The tarball served for every linux architecture. */
  readonly tarball: string;
  /** The SHA-256 the release publishes (default: the tarball's own). */
  readonly publishedSha256?: string;
  /** Publish the sum as the asset's `digest` too (newer API answers), not only in the notes. */
  readonly digest?: boolean;
}

export interface FakeReleases {
  /** The RUNNER_RELEASES_URL to use. */
  readonly url: string;
  /** How many times the tarball was served. */
  downloads(): number;
  /** How many times the release was asked for. */
  lookups(): number;
  close(): Promise<void>;
}

export async function startFakeReleases(opts: FakeReleasesOptions): Promise<FakeReleases> {
  const sha = opts.publishedSha256 ?? createHash("sha256").update(readFileSync(opts.tarball)).digest("hex");
  const archs = ["x64", "arm64", "arm"];
  let downloads = 0;
  let lookups = 0;
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = req.url ?? "/";
    if (path === "/latest") {
      lookups++;
      const name = (a: string) => `actions-runner-linux-${a}-${opts.version}.tar.gz`;
      const body = archs.map((a) => `- ${name(a)} <!-- BEGIN SHA linux-${a} -->${sha}<!-- END SHA linux-${a} -->`).join("\n");
      const assets = archs.map((a) => ({
        name: name(a),
        browser_download_url: `${origin}/download/v${opts.version}/${name(a)}`,
        ...(opts.digest ? { digest: `sha256:${sha}` } : {}),
      }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tag_name: `v${opts.version}`, body, assets }));
    } else if (path.startsWith("/download/")) {
      res.writeHead(302, { location: `${origin}/objects${path.slice("/download".length)}` }).end();
    } else if (path.startsWith("/objects/")) {
      downloads++;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      createReadStream(opts.tarball).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/latest`,
    downloads: () => downloads,
    lookups: () => lookups,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
