import t from "tap";
import { isNewer, parseRelease, parseVersion } from "../../src/runner-update/runner-release.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
// The shape of actions/runner's release notes: one sum per platform between markers, other hex strings around.
const body = [
  "commit 0123456789abcdef0123456789abcdef01234567",
  `- actions-runner-linux-arm64-2.340.0.tar.gz <!-- BEGIN SHA linux-arm64 -->${B}<!-- END SHA linux-arm64 -->`,
  `- actions-runner-linux-x64-2.340.0.tar.gz <!-- BEGIN SHA linux-x64 -->${A}<!-- END SHA linux-x64 -->`,
].join("\n");
const asset = (arch: string, digest?: string) => ({
  name: `actions-runner-linux-${arch}-2.340.0.tar.gz`,
  browser_download_url: `https://example.test/actions-runner-linux-${arch}-2.340.0.tar.gz`,
  ...(digest ? { digest } : {}),
});

t.test("the asset of the architecture and the sum from the notes", async (t) => {
  const r = parseRelease({ tag_name: "v2.340.0", body, assets: [asset("x64"), asset("arm64")] }, "arm64");
  t.same(r, { version: "2.340.0", assetName: "actions-runner-linux-arm64-2.340.0.tar.gz", downloadUrl: "https://example.test/actions-runner-linux-arm64-2.340.0.tar.gz", sha256: B });
});

t.test("the asset's digest wins over the notes", async (t) => {
  const r = parseRelease({ tag_name: "v2.340.0", body, assets: [asset("x64", `sha256:${C.toUpperCase()}`)] }, "x64");
  t.equal(r.sha256, C);
});

t.test("refused: no version, no asset, no sum", async (t) => {
  t.throws(() => parseRelease({ tag_name: "latest", body, assets: [asset("x64")] }, "x64"), /no version tag/);
  t.throws(() => parseRelease({ tag_name: "v2.340.0", body, assets: [asset("arm64")] }, "x64"), /no asset actions-runner-linux-x64-2\.340\.0\.tar\.gz/);
  t.throws(() => parseRelease({ tag_name: "v2.340.0", body: "no sums here " + A, assets: [asset("x64")] }, "x64"), /publishes no SHA-256/);
  t.throws(() => parseRelease(null, "x64"), /no version tag/);
});

t.test("versions compare as numbers", async (t) => {
  t.ok(isNewer("2.340.0", "2.336.0"));
  t.ok(isNewer("2.1000.0", "2.999.9"));
  t.ok(isNewer("v3.0.0", "2.999.9"));
  t.notOk(isNewer("2.336.0", "2.336.0"));
  t.notOk(isNewer("2.335.9", "2.336.0"));
  t.notOk(isNewer("garbage", "2.336.0"));
  t.equal(parseVersion("2.336"), undefined);
});
