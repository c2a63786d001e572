// GitHub Enterprise Cloud with data residency: GH_URL=https://SUBDOMAIN.ghe.com
// has its REST API at https://api.SUBDOMAIN.ghe.com, not under /api/v3. The
// names resolve to the fake through a hosts file in the supervisor's own
// mount namespace (the fake speaks http; the rule keeps scheme and port).
import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setupRig } from "../helpers/rig.ts";

t.test("SUBDOMAIN.ghe.com: every REST call goes to api.SUBDOMAIN.ghe.com, at its root", async (t) => {
  const rig = await setupRig(t);
  const hostsFile = join(rig.base, "hosts");
  writeFileSync(hostsFile, "127.0.0.1 localhost octo.ghe.com api.octo.ghe.com\n");
  const sup = rig.start({ GH_URL: `http://octo.ghe.com:${rig.fake.port}`, FAKE_RUNNER_ALLOW_HOSTS: "octo.ghe.com,api.octo.ghe.com" }, { hostsFile });
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /registering runner .* for http:\/\/octo\.ghe\.com:\d+\/octo\/hello/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners().length, 0, "registered and deregistered through that API");
  const rest = rig.fake.requests().filter((r) => /actions\/runners/.test(r.path));
  t.ok(rest.length >= 2, "registration token and deregistration");
  t.same(
    rest.filter((r) => r.headers.host !== `api.octo.ghe.com:${rig.fake.port}` || r.path.startsWith("/api/v3/")).map((r) => `${r.headers.host} ${r.path}`),
    [],
    "none elsewhere",
  );
});

t.test("GH_API_URL: any other layout (here the API at the root of a GHES-like host, not /api/v3)", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({ GH_API_URL: `${rig.fake.url}/` });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  const rest = rig.fake.requests().filter((r) => /actions\/runners/.test(r.path));
  t.ok(rest.length >= 2);
  t.same(rest.filter((r) => !r.path.startsWith("/repos/")).map((r) => r.path), [], "every REST call under GH_API_URL");
});
