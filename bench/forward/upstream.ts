// The echo servers behind every forwarder, in a process of their own so that
// the load generator and the forwarder under test do not share its event
// loop: one on 127.0.0.2 for each port in UPSTREAM_ECHO_PORTS (comma-separated).
// (Bulk TCP and UDP go to iperf3 servers.)
import { createServer } from "node:net";

const HOST = "127.0.0.2";
const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean).map(Number);

const listening: Promise<void>[] = [];
for (const port of list(process.env.UPSTREAM_ECHO_PORTS)) {
  const server = createServer({ noDelay: true }, (s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  server.on("error", (err) => {
    process.stderr.write(`upstream echo ${port}: ${err.message}\n`);
    process.exit(1);
  });
  listening.push(new Promise((r) => server.listen({ port, host: HOST, backlog: 4096 }, r)));
}
await Promise.all(listening);
process.send?.("ready");
