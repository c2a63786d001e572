import t, { type Test } from "tap";
import { createForwardPhase } from "../../src/forward/forward-phase.ts";
import type { LookupAddress } from "../../src/forward/resolve-host.ts";
import { forwardConfig, freePort, taggedServer, TCP_PATHS, testContext, waitFor, waitForEveryCheck, whoAnswers } from "../fixtures/forward/net-helpers.ts";
import { heldDeadline } from "../helpers/held-deadline.ts";

const stopReason = { kind: "signal", signal: "SIGTERM" } as const;
// Short checks so that "after the checks pass" happens within the test; rise 3 as in production.
const quick = { ...waitForEveryCheck, checkIntervalMs: 100, rise: 3, fall: 3 };

async function started(t: Test, path: (typeof TCP_PATHS)[number], env: Record<string, string>, overrides = {}) {
  const { ctx, lines, restore } = testContext(forwardConfig(env));
  t.teardown(restore);
  const phase = createForwardPhase({ ...quick, ...path.options, ...overrides });
  await phase.start(ctx);
  t.teardown(() => phase.stop?.(ctx, stopReason));
  return lines;
}

for (const path of TCP_PATHS) {
  t.test(`${path.name}: primary down at start: the backup serves, and the log says why`, async (t) => {
    const port = await freePort();
    const backup = await taggedServer("127.0.0.3", port);
    t.teardown(() => backup.kill());
    const lines = await started(t, path, { FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}` });
    const warning = lines.find((l) => l.includes("does not answer"));
    t.match(warning ?? "", `${port}/tcp: server 127.0.0.2:${port} does not answer (connect ECONNREFUSED); new connections go to 127.0.0.3:${port}`);
    t.equal(await whoAnswers(port), "127.0.0.3");
    t.equal(await whoAnswers(port), "127.0.0.3");
  });

  t.test(`${path.name}: primary dies mid-run: the very next connection fails over, without waiting for a check`, async (t) => {
    const port = await freePort();
    let primary = await taggedServer("127.0.0.2", port);
    const backup = await taggedServer("127.0.0.3", port);
    t.teardown(() => Promise.all([primary.kill(), backup.kill()]));
    // Checks far apart: the failover must not depend on them.
    const lines = await started(t, path, { FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}` }, { checkIntervalMs: 3_600_000 });
    t.equal(await whoAnswers(port), "127.0.0.2");

    await primary.kill();
    t.equal(await whoAnswers(port), "127.0.0.3", "the very first connection after the death reaches the backup");
    t.equal(await whoAnswers(port), "127.0.0.3");
    const down = lines.filter((l) => l.includes("is down"));
    t.equal(down.length, 1, "one line for the state change, not one per connection");
    t.match(down[0] ?? "", `${port}/tcp: server 127.0.0.2:${port} is down (connect ECONNREFUSED); new connections go to 127.0.0.3:${port}`);
  });

  t.test(`${path.name}: primary returns: traffic goes back once the checks pass`, async (t) => {
    const port = await freePort();
    const backup = await taggedServer("127.0.0.3", port);
    t.teardown(() => backup.kill());
    const lines = await started(t, path, { FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}` });
    t.equal(await whoAnswers(port), "127.0.0.3");
    const primary = await taggedServer("127.0.0.2", port);
    t.teardown(() => primary.kill());
    t.equal(await waitFor(() => whoAnswers(port), (who) => who === "127.0.0.2"), "127.0.0.2");
    t.match(lines.join("\n"), `server 127.0.0.2:${port} is up again (3 good checks); new connections go to 127.0.0.2:${port}`);
  });

  t.test(`${path.name}: health checks take a dead server down after \`fall\` failed checks, without any traffic`, async (t) => {
    const port = await freePort();
    const primary = await taggedServer("127.0.0.2", port);
    const backup = await taggedServer("127.0.0.3", port);
    t.teardown(() => backup.kill());
    const lines = await started(t, path, { FORWARD_HOST: "127.0.0.2 127.0.0.3", FORWARD_PORTS: `${port}` });
    await primary.kill();
    const down = await waitFor(() => lines.find((l) => l.includes("is down")), (l) => l !== undefined);
    t.match(down ?? "", `server 127.0.0.2:${port} is down (3 failed checks, last: connect ECONNREFUSED)`);
  });

  t.test(`${path.name}: names are re-resolved: a DNS change is picked up`, async (t) => {
    const port = await freePort();
    const a = await taggedServer("127.0.0.2", port);
    const b = await taggedServer("127.0.0.3", port);
    t.teardown(() => Promise.all([a.kill(), b.kill()]));
    const dns = new Map<string, LookupAddress[]>([
      // IPv6 first, as getaddrinfo may answer: IPv4 is preferred.
      ["db.test", [{ address: "::1", family: 6 }, { address: "127.0.0.2", family: 4 }]],
    ]);
    const lookup = async (host: string) => {
      const found = dns.get(host);
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return found;
    };
    const lines = await started(t, path, { FORWARD_HOST: "db.test nope.test", FORWARD_PORTS: `${port}` }, { lookup, dnsCacheMs: 200 });
    t.match(lines.join("\n"), `127.0.0.1:${port} -> db.test:${port} [127.0.0.2] up, nope.test:${port} DOWN (cannot resolve nope.test: ENOTFOUND)`);
    t.match(lines.find((l) => l.includes("nope.test") && l.includes("warning")) ?? "", `${port}/tcp: server nope.test:${port} does not answer (cannot resolve nope.test: ENOTFOUND)`);
    t.equal(await whoAnswers(port), "127.0.0.2");
    dns.set("db.test", [{ address: "127.0.0.3", family: 4 }]);
    t.equal(await waitFor(() => whoAnswers(port), (who) => who === "127.0.0.3"), "127.0.0.3");
  });

  t.test(`${path.name}: a server whose first check hangs does not hold up the boot: 'no answer yet' in the table, its result logged later`, async (t) => {
    const port = await freePort();
    const backup = await taggedServer("127.0.0.3", port);
    t.teardown(() => backup.kill());
    // A black-holed name server: the answer (not found) comes when the test gives it, after the boot table.
    let answer: () => void = () => {};
    const lookup = async (host: string): Promise<LookupAddress[]> => {
      if (host === "slow.test") {
        await new Promise<void>((r) => (answer = r));
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      }
      return [{ address: host, family: 4 }];
    };
    // The table's wait ends once the backup's first check is over (it closes its connection), not at a time.
    const cap = heldDeadline();
    backup.server.once("connection", (s) => s.once("close", cap.fire));
    const lines = await started(t, path, { FORWARD_HOST: "slow.test 127.0.0.3", FORWARD_PORTS: `${port}` }, { lookup, firstChecksDeadline: cap.deadline });
    t.equal(cap.requestedMs(), 1000, "the table waits at most 1 s for the first checks");
    t.match(lines.join("\n"), `127.0.0.1:${port} -> slow.test:${port} (no answer yet), 127.0.0.3:${port} up`, "the table is out before the check ends");
    t.notOk(lines.some((l) => l.includes("slow.test") && l.includes("warning")), "no verdict on slow.test yet");
    answer();
    const down = await waitFor(
      () => lines.find((l) => l.includes(`server slow.test:${port} is down`)),
      (l) => l !== undefined,
    );
    t.match(down ?? "", `${port}/tcp: server slow.test:${port} is down (cannot resolve slow.test: ENOTFOUND); new connections go to 127.0.0.3:${port}`);
    t.equal(await whoAnswers(port), "127.0.0.3");
  });
}
