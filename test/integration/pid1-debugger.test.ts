import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listeningPorts } from "../helpers/listening-ports.ts";
import { setupRig } from "../helpers/rig.ts";
import { REPO_ROOT, type SupervisorProcess } from "../helpers/supervisor-process.ts";

// Node opens its inspector on 127.0.0.1:9229 for a SIGUSR1, or for --inspect;
// --inspect-port=0 moves it to a free port, so that a debugger that does open
// is seen whatever else listens on this machine's 9229.
const ANY_PORT = "--inspect-port=0";

function ports(sup: SupervisorProcess): number[] {
  const pid = sup.pid();
  if (pid === undefined) throw new Error("supervisor pid not known");
  return listeningPorts(pid);
}

const count = (sup: SupervisorProcess, re: RegExp) => sup.lines.filter((l) => re.test(l)).length;

t.test("SIGUSR1 and SIGUSR2 to PID 1: one line each, no debugger, the runner keeps running", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({}, { nodeArgs: [ANY_PORT] });
  await sup.waitForLine(/Listening for Jobs/);
  sup.signal("SIGUSR1");
  await sup.waitForLine(/ci-runner: warning: SIGUSR1 received: ignored \(ci-runner never opens a debugger\)/);
  sup.signal("SIGUSR2");
  await sup.waitForLine(/ci-runner: warning: SIGUSR2 received: ignored/);
  t.same(ports(sup), [], "the supervisor listens on no port (no inspector)");
  t.equal(sup.child.exitCode, null, "still running");
  t.equal(rig.fake.runners()[0]?.status, "online", "still registered and online");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(count(sup, /SIGUSR1 received/), 1, "one line for one signal");
  t.notMatch(sup.output(), /Debugger listening/);
});

t.test("SIGUSR1 before the bundle's first statement: the debugger Node opened is closed, one line, the boot goes on", async (t) => {
  const rig = await setupRig(t);
  const usr1 = new URL("../fixtures/pid1/usr1-at-startup.cjs", import.meta.url).pathname;
  const sup = rig.start({}, { nodeArgs: [ANY_PORT, "--require", usr1] });
  // Node 20 has no --disable-sigusr1: its handler is in before any JavaScript, so the inspector does start.
  const closed = await sup.waitForLine(/a debugger was listening on 127\.0\.0\.1:\d+ \(SIGUSR1 while Node was starting.*\): closed it/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(closed)?.[1]);
  await sup.waitForLine(/Listening for Jobs/);
  t.notOk(ports(sup).includes(port), `nothing listens on ${port} any more`);
  t.same(ports(sup), []);
  sup.signal("SIGUSR1");
  await sup.waitForLine(/SIGUSR1 received: ignored/);
  t.same(ports(sup), [], "a later SIGUSR1 opens nothing");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(rig.fake.runners().length, 0, "no registration left");
});

t.test("NODE_OPTIONS=--inspect in the environment: closed at the first statement, with one line naming NODE_OPTIONS", async (t) => {
  const rig = await setupRig(t);
  const sup = rig.start({}, { nodeOptions: "--inspect=127.0.0.1:0" });
  await sup.waitForLine(/a debugger was listening on 127\.0\.0\.1:\d+ \(NODE_OPTIONS has --inspect; it still reaches jobs\): closed it/);
  await sup.waitForLine(/Listening for Jobs/);
  t.same(ports(sup), [], "the supervisor listens on no port");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

/** The options the image gives node (its ENTRYPOINT), which the ARC wrapper must repeat. */
function imageNodeFlags(): { entrypoint: string[]; wrapper: string[] } {
  const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
  const wrapper = /^exec (.*)$/m.exec(readFileSync(join(REPO_ROOT, "image/ci-runner"), "utf8"))?.[1]?.split(" ") ?? [];
  return { entrypoint: entrypoint.filter((a) => a.startsWith("--")), wrapper: wrapper.filter((a) => a.startsWith("--")) };
}

t.test("the image's node options: NODE_OPTIONS=--inspect-brk can neither open a debugger nor hold PID 1", async (t) => {
  const { entrypoint, wrapper } = imageNodeFlags();
  t.same(wrapper, entrypoint, "image/ci-runner (PID 1 under ARC, the HEALTHCHECK) passes the ENTRYPOINT's options");
  t.ok(entrypoint.includes("--no-inspect"), entrypoint.join(" "));
  const rig = await setupRig(t);
  for (const asked of ["--inspect-brk=127.0.0.1:0", "--inspect=127.0.0.1:0", "--inspect-wait=127.0.0.1:0"]) {
    // `config` runs to its end and exits: under --inspect-brk/-wait without the options it would wait for a debugger.
    const sup = rig.start({}, { nodeArgs: entrypoint, nodeOptions: asked, args: ["config"] });
    t.equal((await sup.exited).code, 0, asked);
    t.notMatch(sup.output(), /Debugger listening|a debugger was listening/, asked);
  }
});
