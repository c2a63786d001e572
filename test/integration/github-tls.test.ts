// GitHub Enterprise Server behind a private CA: an untrusted certificate is
// one line naming GH_URL and the fix, exit 78, instead of retrying forever;
// with the CA in NODE_EXTRA_CA_CERTS the same server is trusted.
import t from "tap";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setupRig } from "../helpers/rig.ts";

t.test("an untrusted certificate on GH_URL: exit 78 naming GH_URL and NODE_EXTRA_CA_CERTS; trusted with it", async (t) => {
  const rig = await setupRig(t);
  const key = join(rig.base, "tls.key");
  const cert = join(rig.base, "tls.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=ghe.test", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  // Every API path answers 404, as GHES would for a repository that does not exist.
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const untrusted = rig.start({ GH_URL: url });
  t.equal((await untrusted.exited).code, 78);
  const lines = untrusted.lines.filter((l) => /error/.test(l));
  t.equal(lines.length, 1, "one error line");
  t.match(lines[0], /GH_URL: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  t.match(lines[0], /NODE_EXTRA_CA_CERTS/);
  t.notMatch(untrusted.output(), /retry \d/, "no retries: they cannot fix a certificate");

  const trusted = rig.start({ GH_URL: url, NODE_EXTRA_CA_CERTS: cert });
  t.equal((await trusted.exited).code, 78);
  t.match(trusted.output(), /GH_REPOSITORY: GitHub answered 404/, "past TLS: the server's own answer");
  t.notMatch(trusted.output(), /not trusted/);
  t.equal(rig.fake.runners().length, 0);
});
