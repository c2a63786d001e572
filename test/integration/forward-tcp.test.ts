import t, { type Test } from "tap";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { connect, createServer, type Socket } from "node:net";
import { createForwardPhase } from "../../src/forward/forward-phase.ts";
import type { ForwardOptions } from "../../src/forward/forward-options.ts";
import type { PortStatus } from "../../src/forward/port-status.ts";
import { forwardConfig, freePort, taggedServer, TCP_PATHS, testContext, waitFor, waitForEveryCheck, whoAnswers } from "../fixtures/forward/net-helpers.ts";

const stopReason = { kind: "signal", signal: "SIGTERM" } as const;
const execFileAsync = promisify(execFile);

/**
 * Connects to 127.0.0.1:PORT, reads the greeting, sends "ab", an urgent "x" and "cd" (then a FIN with "fin"), and
 * prints what comes back once the echo holds "cd" or the server ended; gives up after 15 s.
 */
const URGENT_CLIENT = `
use IO::Socket::INET; use Socket;
my ($port, $mode) = @ARGV;
alarm 15;
my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) or die "connect: $!";
my $got = "";
sysread($s, $got, 64, length $got) until $got =~ /\n/;
send($s, "ab", 0); send($s, "x", MSG_OOB); send($s, "cd", 0);
shutdown($s, 1) if $mode eq "fin";
while ($got !~ /cd/) { my $n = sysread($s, $got, 64, length $got); last unless $n; }
print $got;
`;

/** The forward phase started for `env` with `options`, stopped when the test ends. */
async function forwarding(t: Test, env: Record<string, string>, options: Partial<ForwardOptions>) {
  const { ctx, lines, restore } = testContext(forwardConfig(env));
  t.teardown(restore);
  const phase = createForwardPhase({ ...waitForEveryCheck, ...options });
  await phase.start(ctx);
  t.teardown(() => phase.stop?.(ctx, stopReason));
  return { ctx, lines };
}

for (const path of TCP_PATHS) {
  t.test(`${path.name}: TCP: bytes both ways, half-close honoured, counters in the state file`, async (t) => {
    const port = await freePort();
    const primary = await taggedServer("127.0.0.2", port, "primary");
    t.teardown(() => primary.kill());
    const { ctx, lines } = await forwarding(t, { FORWARD_HOST: "127.0.0.2:22 127.0.0.3", FORWARD_PORTS: `${port}` }, path.options);
    // One line, at start, when TCP takes the slower portable path, and why.
    const slower = lines.filter((l) => l.includes("TCP is relayed on net.Sockets"));
    t.equal(slower.length, path.portable ? 1 : 0, `relayed on ${path.name}: ${slower.join("\n") || "no line about it"}`);
    if (path.portable) {
      t.match(slower[0] ?? "", " warning: TCP is relayed on net.Sockets, about 3x the user CPU per new connection of Node's own TCP handles, because the portableTcp option asks for it");
    }

    const table = lines.join("\n");
    t.match(table, `${port}/tcp`, "the boot table names the port");
    t.match(table, `127.0.0.1:${port} -> 127.0.0.2:${port} up, 127.0.0.3:${port} DOWN`, "servers in order with their state");

    // The client half-closes after sending; the echo server's reply must still arrive in full.
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const c = connect(port, "127.0.0.1", () => c.end(payload));
      c.on("data", (d: Buffer) => chunks.push(d));
      c.on("end", () => resolve(Buffer.concat(chunks)));
      c.on("error", reject);
    });
    t.equal(received.toString("latin1", 0, 8), "primary\n");
    t.equal(received.length, 8 + payload.length, "everything sent after the half-close came back");
    t.ok(received.subarray(8).equals(payload), "the bytes are the same");

    const published = () => ctx.state.get().sections.forward as PortStatus[] | undefined;
    // The phase publishes once a second: wait for a publish made after the transfer.
    const before = published();
    const s = (await waitFor(published, (now) => now !== before))?.[0];
    t.equal(s?.connections, 1);
    t.equal(s?.bytesIn, payload.length);
    t.equal(s?.bytesOut, 8 + payload.length);
    t.equal(s?.server, `127.0.0.2:${port}`);
  });

  t.test(`${path.name}: the connection to the server has TCP keepalive on, so a vanished server host is noticed`, async (t) => {
    const port = await freePort();
    const primary = await taggedServer("127.0.0.2", port, "primary");
    t.teardown(() => primary.kill());
    await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }, path.options);

    // An idle connection, held open: its greeting proves the forwarder's upstream is connected.
    const c = connect(port, "127.0.0.1");
    t.teardown(() => c.destroy());
    await new Promise<void>((resolve, reject) => {
      c.once("data", () => resolve());
      c.once("error", reject);
    });
    // ss shows the kernel's timer on the forwarder's side of the connection (keepalive, or none).
    const ss = execFileSync("ss", ["-tnoH", "state", "established", "dst", `127.0.0.2:${port}`], { encoding: "utf8" });
    t.match(ss, /timer:\(keepalive,/, `the forwarder's socket towards 127.0.0.2:${port} has a keepalive timer:\n${ss}`);
  });

  t.test(`${path.name}: a reset on either side reaches the other as a reset; a connection no server takes is reset`, async (t) => {
    const port = await freePort();
    const primary = await taggedServer("127.0.0.2", port, "primary");
    t.teardown(() => primary.kill());
    await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }, path.options);

    /** Connects, waits for the greeting, runs `then`, and resolves with how the connection ended. */
    const ending = (then: (c: Socket) => void) =>
      new Promise<string>((resolve) => {
        const c = connect(port, "127.0.0.1");
        c.once("data", () => then(c));
        c.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        c.on("end", () => resolve("end"));
        c.on("close", () => resolve("close"));
      });
    // The server resets its side (as a killed process's kernel would): the client sees ECONNRESET, not a clean end.
    t.equal(await ending(() => primary.kill()), "ECONNRESET", "the server's reset reaches the client");

    // The client resets its side: the server's end of the connection is reset too.
    const again = await taggedServer("127.0.0.2", port, "again");
    t.teardown(() => again.kill());
    const serverSide = new Promise<string>((resolve) =>
      again.server.once("connection", (s: Socket) => {
        s.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        s.on("end", () => resolve("end"));
      }),
    );
    void ending((c) => c.resetAndDestroy());
    t.equal(await serverSide, "ECONNRESET", "the client's reset reaches the server");
    await again.kill();

    // No server answers any more: the client's connection is reset rather than left open or closed cleanly.
    t.equal(await ending(() => {}), "ECONNRESET", "a connection no server accepts is reset");
  });

  t.test(`${path.name}: what a side sent just before its reset reaches the other side`, async (t) => {
    const port = await freePort();
    // A server that answers and resets at once (as one that refuses a request it will not read, leaving its body
    // unread, whose close the kernel turns into a reset); with "greet", a server that greets and reads.
    let mode: "answer" | "greet" = "answer";
    const received: string[] = [];
    const server = createServer((s) => {
      s.on("error", () => {});
      if (mode === "greet") {
        let got = "";
        s.write("hello\n");
        s.on("data", (b) => (got += b.toString("latin1")));
        s.on("close", () => received.push(got));
        return;
      }
      s.once("data", () => {
        s.write("HTTP/1.1 413 Content Too Large\r\n\r\n");
        s.resetAndDestroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.2", resolve));
    t.teardown(() => server.close());
    await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }, path.options);

    // The answer and the reset come together: the relay once saw only the reset (the socket's error), and dropped
    // the answer still queued before it, 29 times in 30.
    for (let i = 0; i < 5; i++) {
      const { got, how } = await new Promise<{ got: string; how: string }>((resolve) => {
        let got = "";
        const c = connect(port, "127.0.0.1", () => c.write("POST /upload HTTP/1.1\r\ncontent-length: 100000\r\n\r\n"));
        c.on("data", (b) => (got += b.toString("latin1")));
        c.on("error", (err: NodeJS.ErrnoException) => resolve({ got, how: err.code ?? err.message }));
        c.on("close", () => resolve({ got, how: "close" }));
      });
      // How it ends is the client kernel's and Node's: with the answer queued before the reset, Node reports the
      // end (as it does without a forwarder between them).
      t.match(got, /^HTTP\/1\.1 413 /, `server's answer then reset ${i + 1}: the answer arrives (then ${how})`);
    }

    // The same the other way: a client that says QUIT and resets at once.
    mode = "greet";
    for (let i = 0; i < 5; i++) {
      const closed = new Promise<void>((resolve) => server.once("connection", (s: Socket) => s.once("close", () => resolve())));
      const c = connect(port, "127.0.0.1");
      c.on("error", () => {});
      c.once("data", () => {
        c.write("QUIT\r\n");
        c.resetAndDestroy();
      });
      await closed;
      t.equal(received.at(-1), "QUIT\r\n", `client's QUIT then reset ${i + 1}: the QUIT arrives`);
    }
  });

  t.test(`${path.name}: urgent data (MSG_OOB) is skipped as a read skips it, and what follows arrives, with a FIN after it or not`, async (t) => {
    const port = await freePort();
    const up = await taggedServer("127.0.0.2", port, "up");
    t.teardown(() => up.kill());
    await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }, path.options);
    // Node cannot send urgent data; Perl (perl-base, in every Debian) can. The splice relay once spun at 100% CPU
    // or cut the stream short here: splice(2) stops before an urgent byte and never passes it.
    for (const fin of [true, false]) {
      const { stdout } = await execFileAsync("perl", ["-e", URGENT_CLIENT, String(port), fin ? "fin" : "open"], { timeout: 20_000 });
      t.equal(stdout, "up\nabcd", fin ? "with a FIN after the urgent byte: all the rest, then the end" : "without a FIN: the rest arrives");
    }
  });

  t.test(`${path.name}: tcp-backup: the host order is reversed for that port`, async (t) => {
    const port = await freePort();
    const a = await taggedServer("127.0.0.2", port);
    const b = await taggedServer("127.0.0.3", port);
    t.teardown(() => Promise.all([a.kill(), b.kill()]));
    await forwarding(t, { FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}/tcp-backup` }, path.options);
    t.equal(await whoAnswers(port), "127.0.0.3");
    t.equal(await whoAnswers(port), "127.0.0.3");
  });

  t.test(`${path.name}: port already in use: one clear error line naming port and host; start still resolves`, async (t) => {
    const busy = await freePort();
    const free = await freePort();
    const squatter = createServer().listen(busy, "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    t.teardown(() => new Promise((r) => squatter.close(r)));
    const up = await taggedServer("127.0.0.2", free);
    t.teardown(() => up.kill());
    const { lines } = await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${busy} ${free}` }, path.options);
    const errors = lines.filter((l) => l.includes(" error: "));
    t.equal(errors.length, 1, "one error line");
    t.match(errors[0] ?? "", `${busy}/tcp: cannot listen on 127.0.0.1:${busy}: address already in use (EADDRINUSE)`);
    t.match(errors[0] ?? "", `127.0.0.2:${busy}`, "and says where it would have gone");
    t.equal(await whoAnswers(free), "127.0.0.2", "the other port forwards");
  });

  t.test(`${path.name}: a port busy at boot is taken once it is free, with one line`, async (t) => {
    const busy = await freePort();
    const squatter = createServer().listen(busy, "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    const up = await taggedServer("127.0.0.2", busy);
    t.teardown(() => up.kill());
    const { lines } = await forwarding(t, { FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${busy}` }, { ...path.options, checkIntervalMs: 200 });
    t.match(lines.find((l) => l.includes(" error: ")) ?? "", /trying again every 0\.2 s/);
    await new Promise((r) => squatter.close(r));
    await waitFor(() => lines.some((l) => l.includes(`listening on 127.0.0.1:${busy} now`)), (seen) => seen);
    t.ok(lines.some((l) => l.includes(`${busy}/tcp: listening on 127.0.0.1:${busy} now (it was in use at boot)`)), "one line when it listens");
    t.equal(await whoAnswers(busy), "127.0.0.2", "and it forwards");
  });

  t.test(`${path.name}: stop closes the listeners`, async (t) => {
    const port = await freePort();
    const up = await taggedServer("127.0.0.2", port);
    t.teardown(() => up.kill());
    const { ctx, restore } = testContext(forwardConfig({ FORWARD_HOST: "127.0.0.2", FORWARD_PORTS: `${port}` }));
    t.teardown(restore);
    const phase = createForwardPhase({ ...waitForEveryCheck, ...path.options });
    await phase.start(ctx);
    const open = connect(port, "127.0.0.1");
    const cut = new Promise((r) => open.on("close", r));
    open.on("error", () => {});
    open.resume();
    t.equal(await whoAnswers(port), "127.0.0.2");
    await phase.stop?.(ctx, stopReason);
    await cut;
    t.equal(await whoAnswers(port), "error: ECONNREFUSED");
  });
}

t.test("no FORWARD_HOST/FORWARD_PORTS: the phase does nothing", async (t) => {
  const { ctx, lines, restore } = testContext(forwardConfig({}));
  t.teardown(restore);
  const phase = createForwardPhase(waitForEveryCheck);
  await phase.start(ctx);
  await phase.stop?.(ctx, stopReason);
  t.same(lines, []);
  t.equal(ctx.state.get().sections.forward, undefined);
});
