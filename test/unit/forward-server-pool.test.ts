import t, { type Test } from "tap";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { createHostResolver, type LookupAddress } from "../../src/forward/resolve-host.ts";
import { ServerPool } from "../../src/forward/server-pool.ts";
import { useTestClock } from "../helpers/test-clock.ts";

function pool(t: Test, hosts: string[], rise = 3, fall = 2) {
  const lines: string[] = [];
  t.teardown(setLogSink((l) => lines.push(l)));
  return { pool: new ServerPool("5432/tcp", hosts, 5432, createLogger("forward"), rise, fall), lines };
}
const hosts = (p: ServerPool) => p.order.map((s) => s.host);

t.test("up servers first in FORWARD_HOST order, down ones last; one line per change", async (t) => {
  const { pool: p, lines } = pool(t, ["a", "b", "c"]);
  t.same(hosts(p), ["a", "b", "c"]);
  p.markDown(p.servers[0]!, "connect ECONNREFUSED");
  p.markDown(p.servers[0]!, "connect ECONNREFUSED");
  t.same(hosts(p), ["b", "c", "a"]);
  t.equal(p.current()?.host, "b");
  t.equal(lines.length, 1, "marking a down server down again says nothing");
  t.match(lines[0], /5432\/tcp: server a:5432 is down \(connect ECONNREFUSED\); new connections go to b:5432/);
  p.markDown(p.servers[1]!, "x");
  p.markDown(p.servers[2]!, "x");
  t.equal(p.current(), undefined);
  t.same(hosts(p), ["a", "b", "c"], "all down: each is still tried, in order");
  t.match(lines.at(-1), /no server is up: new connections try each in order/);
});

t.test("rise good checks bring a server back; a failure in between starts over", async (t) => {
  const { pool: p, lines } = pool(t, ["a", "b"], 3, 2);
  const a = p.servers[0]!;
  p.markDown(a, "connect ECONNREFUSED");
  p.recordCheck(a, undefined);
  p.recordCheck(a, undefined);
  p.recordCheck(a, "connect ECONNREFUSED");
  p.recordCheck(a, undefined);
  p.recordCheck(a, undefined);
  t.notOk(a.up, "four good checks, but not three in a row");
  p.recordCheck(a, undefined);
  t.ok(a.up);
  t.same(hosts(p), ["a", "b"]);
  t.match(lines.at(-1), /server a:5432 is up again \(3 good checks\); new connections go to a:5432/);
});

t.test("fall failed checks take an up server down; a good one in between starts over", async (t) => {
  const { pool: p, lines } = pool(t, ["a", "b"], 3, 2);
  const a = p.servers[0]!;
  p.recordCheck(a, "connect ETIMEDOUT");
  p.recordCheck(a, undefined);
  p.recordCheck(a, "connect ETIMEDOUT");
  t.ok(a.up);
  p.recordCheck(a, "connect timeout after 3 s");
  t.notOk(a.up);
  t.match(lines.at(-1), /server a:5432 is down \(2 failed checks, last: connect timeout after 3 s\)/);
});

t.test("resolver: IPv4 preferred, cached, re-resolved after expiry, last good address kept on failure", async (t) => {
  const answers: (LookupAddress[] | Error)[] = [
    [{ address: "fd00::1", family: 6 }, { address: "10.0.0.1", family: 4 }],
    [{ address: "10.0.0.2", family: 4 }],
    new Error("EAI_AGAIN"),
  ];
  // The test's clock: "expired" is 80 ms later on it, and nothing expires between two steps on a slow machine.
  const clock = useTestClock(t, ["Date"]);
  let lookups = 0;
  const r = createHostResolver(50, async () => {
    const a = answers[Math.min(lookups++, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return a;
  });
  t.equal(r.peek("db"), undefined);
  t.equal(await r.resolve("db"), "10.0.0.1");
  t.equal(await r.resolve("db"), "10.0.0.1");
  t.equal(r.peek("db"), "10.0.0.1");
  t.equal(lookups, 1, "cached");
  clock.tick(80);
  t.equal(r.peek("db"), undefined, "expired");
  t.equal(await r.resolve("db"), "10.0.0.2");
  clock.tick(80);
  t.equal(await r.resolve("db"), "10.0.0.2", "a failed lookup keeps the last good address");
  t.equal(await r.resolve("127.0.0.9"), "127.0.0.9", "IP literals are not looked up");
  t.equal(lookups, 3);
});

t.test("resolver: a name that never resolved is not looked up again for every caller", async (t) => {
  useTestClock(t, ["Date"]);
  let lookups = 0;
  const r = createHostResolver(10_000, async () => {
    lookups += 1;
    throw Object.assign(new Error("getaddrinfo ENOTFOUND nope"), { code: "ENOTFOUND" });
  });
  await t.rejects(r.resolve("nope"), { code: "ENOTFOUND" });
  await t.rejects(r.resolve("nope"), { code: "ENOTFOUND" });
  t.equal(lookups, 1);
});
