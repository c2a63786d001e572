// The servers behind every forwarder, in a process of their own so that the
// load generator and the forwarder under test do not share its event loop:
// a TCP echo server and a UDP datagram counter on 127.0.0.2 for each port
// given in UPSTREAM_ECHO_PORTS / UPSTREAM_UDP_PORTS (comma-separated).
// Replies to the IPC message "counts" with { [udpPort]: datagrams }.
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const HOST = "127.0.0.2";
const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean).map(Number);
const counts: Record<number, number> = {};

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
for (const port of list(process.env.UPSTREAM_UDP_PORTS)) {
  counts[port] = 0;
  const sock = createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
  sock.on("message", () => {
    counts[port] = (counts[port] ?? 0) + 1;
  });
  listening.push(new Promise((r) => sock.bind(port, HOST, r)));
}
await Promise.all(listening);
process.on("message", (m) => {
  if (m === "counts") process.send?.({ ...counts });
});
process.send?.("ready");
