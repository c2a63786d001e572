import t from "tap";
import { createSocket, type Socket } from "node:dgram";
import { createForwardPhase } from "../../src/forward/forward-phase.ts";
import type { PortStatus } from "../../src/forward/port-status.ts";
import { forwardConfig, freePort, testContext, waitFor, waitForEveryCheck } from "../fixtures/forward/net-helpers.ts";

const stopReason = { kind: "signal", signal: "SIGTERM" } as const;

/** A UDP server that answers each datagram with `tag:<datagram>`. */
async function udpEcho(host: string, port: number): Promise<Socket> {
  const s = createSocket("udp4");
  s.on("message", (msg, from) => s.send(Buffer.concat([Buffer.from(`${host}:`), msg]), from.port, from.address));
  await new Promise<void>((r) => s.bind(port, host, r));
  return s;
}

/** Sends `text` from a fresh client socket to 127.0.0.1:port until a reply comes (UDP may drop one). */
async function ask(client: Socket, port: number, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => client.once("message", (m) => resolve(m.toString())));
  let answer: string | undefined;
  void reply.then((r) => (answer = r));
  await waitFor(
    () => {
      if (answer === undefined) client.send(text, port, "127.0.0.1");
      return new Promise((r) => setTimeout(r, 200)).then(() => answer);
    },
    (a) => a !== undefined,
  );
  return reply;
}

t.test("UDP: datagrams go to the primary, replies come back to the right client, idle client sockets are closed", async (t) => {
  const port = await freePort();
  const primary = await udpEcho("127.0.0.2", port);
  const backup = await udpEcho("127.0.0.3", port);
  t.teardown(() => {
    primary.close();
    backup.close();
  });
  const { ctx, lines, restore } = testContext(forwardConfig({ FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}/udp` }));
  t.teardown(restore);
  const phase = createForwardPhase({ ...waitForEveryCheck, udpIdleMs: 300 });
  await phase.start(ctx);
  t.teardown(() => phase.stop?.(ctx, stopReason));
  t.match(lines.join("\n"), `${port}/udp  127.0.0.1:${port} -> 127.0.0.2:${port}`);

  const one = createSocket("udp4");
  const two = createSocket("udp4");
  t.teardown(() => {
    one.close();
    two.close();
  });
  const [a, b] = await Promise.all([ask(one, port, "from one"), ask(two, port, "from two")]);
  t.equal(a, "127.0.0.2:from one");
  t.equal(b, "127.0.0.2:from two");

  const status = () => (ctx.state.get().sections.forward as PortStatus[])[0];
  const seen = await waitFor(status, (s) => s?.connections === 2);
  t.equal(seen?.connections, 2, "one upstream socket per client address");
  const idle = await waitFor(status, (s) => s?.active === 0);
  t.equal(idle?.active, 0, "idle upstream sockets are closed");
  t.equal(await ask(one, port, "again"), "127.0.0.2:again", "a client that comes back gets a new one");
});

t.test("UDP: an unresolvable host is one warning line naming port and host; start still resolves", async (t) => {
  const port = await freePort();
  const lookup = async (host: string) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  };
  const { ctx, lines, restore } = testContext(forwardConfig({ FORWARD_HOST: "statsd.test", FORWARD_PORTS: `${port}/udp` }));
  t.teardown(restore);
  const phase = createForwardPhase({ ...waitForEveryCheck, lookup });
  await phase.start(ctx);
  t.teardown(() => phase.stop?.(ctx, stopReason));
  const client = createSocket("udp4");
  t.teardown(() => client.close());
  for (let i = 0; i < 5; i++) client.send("x", port, "127.0.0.1");
  const dropped = await waitFor(() => (ctx.state.get().sections.forward as PortStatus[])[0], (s) => s?.dropped === 5);
  t.equal(dropped?.dropped, 5);
  const warnings = lines.filter((l) => l.includes("warning"));
  t.equal(warnings.length, 1, "one line, not one per datagram");
  t.match(warnings[0] ?? "", `${port}/udp: cannot resolve statsd.test: ENOTFOUND; datagrams are dropped until it resolves`);
});

t.test("UDP: a client sending from a new port each time cannot open unbounded sockets; the newest still get replies", async (t) => {
  const port = await freePort();
  const server = await udpEcho("127.0.0.2", port);
  t.teardown(() => server.close());
  const { ctx, lines, restore } = testContext(forwardConfig({ FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}/udp` }));
  t.teardown(restore);
  const phase = createForwardPhase({ ...waitForEveryCheck, udpMaxSessions: 8 });
  await phase.start(ctx);
  t.teardown(() => phase.stop?.(ctx, stopReason));

  const clients: Socket[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  const status = () => (ctx.state.get().sections.forward as PortStatus[])[0];
  for (let i = 0; i < 30; i++) {
    const c = createSocket("udp4");
    clients.push(c);
    t.equal(await ask(c, port, `n${i}`), `127.0.0.2:n${i}`, `client ${i} gets its reply`);
  }
  // All 30 are well within the idle time (60 s): without the cap, 30 sockets would be open.
  const end = await waitFor(status, (s) => s?.connections === 30);
  t.equal(end?.active, 8, "8 upstream sockets open, not 30");
  t.equal(end?.evicted, 22, "the 22 oldest were closed");
  t.equal(lines.filter((l) => /more than 8 client addresses at once/.test(l)).length, 1, "one warning line, not one per eviction");
});
