// TLS_CERT_FILE and TLS_KEY_FILE: the controller serves HTTPS itself, and a
// renewed certificate (as certbot writes it) is served to new connections
// without a restart, while a request already under way finishes on its
// connection. Certificates are made with openssl for the test.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { sign } from "@octokit/webhooks-methods";
import t from "tap";
import { startControllerRig, WEBHOOK_SECRET } from "../helpers/controller-rig.ts";

const dir = mkdtempSync(join(tmpdir(), "ctl-https-"));

/** A self-signed certificate for 127.0.0.1 into NAME.pem and NAME.key; returns its SHA-256 fingerprint. */
function selfSigned(name: string): string {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", `/CN=ci-${name}`, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.pem`)],
    { stdio: "pipe" },
  );
  return new X509Certificate(readFileSync(join(dir, `${name}.pem`))).fingerprint256;
}

interface Answer {
  status: number;
  body: string;
  /** The fingerprint of the certificate the connection was made with. */
  served: string;
}

/** Starts a request; `send` ends its body and resolves with the answer. */
function open(port: number, opts: RequestOptions, body = ""): { connected: Promise<void>; send(rest?: string): Promise<Answer> } {
  let served = "";
  let done!: (a: Answer) => void;
  let fail!: (e: Error) => void;
  const answer = new Promise<Answer>((resolve, reject) => ((done = resolve), (fail = reject)));
  const req = request({ host: "127.0.0.1", port, agent: false, ...opts }, (res) => {
    let text = "";
    res.on("data", (c: Buffer) => (text += c.toString()));
    res.on("end", () => done({ status: res.statusCode ?? 0, body: text, served }));
  });
  req.on("error", fail);
  const connected = new Promise<void>((resolve) =>
    req.on("socket", (s) =>
      s.once("secureConnect", () => {
        served = (s as TLSSocket).getPeerCertificate().fingerprint256;
        resolve();
      }),
    ),
  );
  if (body) req.write(body);
  req.flushHeaders();
  return { connected, send: (rest = "") => (req.end(rest), answer) };
}

t.test("HTTPS with a self-signed certificate, then a renewed one without a restart", async (t) => {
  const first = selfSigned("first");
  const ca = [readFileSync(join(dir, "first.pem"))];
  const certFile = join(dir, "live.pem");
  const keyFile = join(dir, "live.key");
  renameSync(join(dir, "first.pem"), certFile);
  renameSync(join(dir, "first.key"), keyFile);
  const rig = await startControllerRig(t, { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
  const port = rig.running.port;
  t.match(await rig.waitForLine(/webhook on :\d+\/webhook \(HTTPS: /), new RegExp(`CN=ci-first, valid until .*, SHA-256 ${first}`));

  const health = await open(port, { path: "/health", ca }).send();
  t.equal(health.status, 200, "/health over HTTPS");
  t.equal(health.served, first);
  const plain = await fetch(`http://127.0.0.1:${port}/health`).then(
    (r) => r.status,
    () => "refused",
  );
  t.not(plain, 200, "no plain HTTP on the port");

  // A delivery under way: headers and half its body sent before the renewal.
  const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "x-github-event": "ping", "x-hub-signature-256": await sign(WEBHOOK_SECRET, body) };
  const underway = open(port, { method: "POST", path: "/webhook", headers, ca }, body.slice(0, 10));
  await underway.connected;

  // certbot's way: new files, then renamed over the live ones.
  const renewed = selfSigned("second");
  ca.push(readFileSync(join(dir, "second.pem")));
  renameSync(join(dir, "second.key"), keyFile);
  renameSync(join(dir, "second.pem"), certFile);
  await rig.waitForLine(new RegExp(`TLS certificate reloaded from .*live\\.pem: CN=ci-second, valid until .*, SHA-256 ${renewed}`));

  const finished = await underway.send(body.slice(10));
  t.match(finished, { status: 200, served: first }, "the request begun before the renewal finished on its connection");
  t.match(JSON.parse(finished.body), { result: "ping" });
  const after = await open(port, { path: "/health", ca }).send();
  t.match(after, { status: 200, served: renewed }, "a new connection gets the renewed certificate");
  t.equal(rig.lines.filter((l) => /controller for|webhook on :/.test(l)).length, 1, "no restart");
});

t.test("a renewal during the start's GitHub checks is served too", async (t) => {
  selfSigned("early");
  const first = new X509Certificate(readFileSync(join(dir, "early.pem"))).fingerprint256;
  const certFile = join(dir, "start.pem");
  const keyFile = join(dir, "start.key");
  renameSync(join(dir, "early.pem"), certFile);
  renameSync(join(dir, "early.key"), keyFile);
  const renewed = selfSigned("during");
  const ca = [readFileSync(certFile), readFileSync(join(dir, "during.pem"))];
  let swapped = false;
  // The secret is generated after the files were read and before GitHub is asked anything: the renewal lands in between.
  const rig = await startControllerRig(t, { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }, {
    selfHook: true,
    onLine: (line) => {
      if (swapped || !/webhook secret generated/.test(line)) return;
      swapped = true;
      renameSync(join(dir, "during.key"), keyFile);
      renameSync(join(dir, "during.pem"), certFile);
    },
  });
  t.ok(swapped, "renewed during the start");
  t.match(await rig.waitForLine(/webhook on :\d+\/webhook \(HTTPS: /), new RegExp(`CN=ci-early, .*SHA-256 ${first}`), "the start serves what it read");
  await rig.waitForLine(new RegExp(`TLS certificate reloaded from .*start\\.pem: CN=ci-during, valid until .*, SHA-256 ${renewed}`));
  const after = await open(rig.running.port, { path: "/health", ca }).send();
  t.match(after, { status: 200, served: renewed }, "new connections get the renewed certificate");
});
