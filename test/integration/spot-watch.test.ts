import t from "tap";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { setupRig, LABELS } from "../helpers/rig.ts";

/** A fake IMDSv2 on 127.0.0.1: token first, then the spot notice once `interrupt` is set. */
async function fakeImds(t: { teardown(fn: () => unknown): void }) {
  const state = { interrupt: false, tokenless: 0 };
  const server = createServer((req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") return res.end("imds-token-1");
    if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token-1") {
      state.tokenless++;
      return res.writeHead(401).end();
    }
    if (req.url === "/latest/meta-data/spot/instance-action" && state.interrupt) {
      return res.end(JSON.stringify({ action: "terminate", time: "2026-11-25T01:00:00Z" }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

t.test("a spot interruption notice drains like SIGTERM: the job finishes, then deregistered", async (t) => {
  const imds = await fakeImds(t);
  const rig = await setupRig(t);
  const sup = rig.start({ SPOT_WATCH: "1", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
  await sup.waitForLine(/Listening for Jobs/);
  // Held until the drain has found it running: the notice must reach a runner that is busy.
  const job = rig.fake.queueJob({ labels: LABELS.split(","), name: "spot", hold: true });
  await sup.waitForLine(/Running job: spot/);
  imds.state.interrupt = true;
  await sup.waitForLine(/spot interruption notice: \{"action":"terminate"/);
  await sup.waitForLine(/waiting for it to finish/);
  rig.fake.releaseJob(job);
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.equal(rig.fake.runners().length, 0);
  t.equal(imds.state.tokenless, 0, "every GET carried the IMDSv2 token");
});

/** An IMDS address that accepts connections and drops each at once, counting them: each poll is one. */
async function droppingImds(t: { teardown(fn: () => unknown): void }) {
  let connections = 0;
  const changed = new EventEmitter();
  const server = createNetServer((s) => {
    connections++;
    s.destroy();
    changed.emit("connection");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Resolves once `n` connections came. */
    seen: (n: number) => new Promise<void>((resolve) => {
      const check = () => connections >= n && (changed.off("connection", check), resolve());
      changed.on("connection", check);
      check();
    }),
  };
}

t.test("an IMDS that does not answer is one warning line; the runner keeps running", async (t) => {
  const imds = await droppingImds(t);
  const rig = await setupRig(t);
  const sup = rig.start({ SPOT_WATCH: "1", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
  await sup.waitForLine(/Listening for Jobs/);
  // Three failed polls, then the whole output (at exit): one line for all of them.
  await imds.seen(3);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(sup.lines.filter((l) => /spot watch: cannot read the spot notice/.test(l)).length, 1, "one line, not one per poll");
});
