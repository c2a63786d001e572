import t from "tap";
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { setupRig, LABELS } from "../helpers/rig.ts";

const labels = LABELS.split(",");

/** Live (non-zombie) processes whose command line starts with `name`. */
function liveProcesses(name: string): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (cmd.startsWith(name) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") n++;
    } catch {
      // exited meanwhile
    }
  }
  return n;
}

function hook(dir: string, name: string, body: string, owner?: { uid: number; gid: number }): void {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/bash\nset -e\n${body}\n`, { mode: 0o755 });
  if (owner) chownSync(p, owner.uid, owner.gid);
}

t.test("root hooks, then guest hooks as the runner user, in order; exported vars reach later hooks and the job", async (t) => {
  const rig = await setupRig(t);
  const trace = join(rig.base, "trace");
  writeFileSync(trace, "");
  chmodSync(trace, 0o666);
  hook(rig.rootHooks, "entrypoint.20-b.sh", `echo "root-b $(id -un) $FROM_ROOT" >> ${trace}`);
  hook(rig.rootHooks, "entrypoint.10-a.sh", `echo "root-a $(id -un)" >> ${trace}; echo FROM_ROOT=r1 >> "$CI_RUNNER_ENV"\necho "hello from a"`);
  hook(
    rig.guestHooks,
    "entrypoint.50-g.sh",
    `echo "guest $(id -un) $HOME $FROM_ROOT" >> ${trace}\n{ echo 'MULTI<<EOF'; echo 'l1'; echo 'l2'; echo 'EOF'; echo FROM_GUEST=g1; } >> "$CI_RUNNER_ENV"`,
    rig.user,
  );
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  t.same(readFileSync(trace, "utf8").trim().split("\n"), [
    "root-a root",
    "root-b root r1",
    `guest ${rig.user.name} ${rig.user.home} r1`,
  ]);
  t.ok(sup.lines.some((l) => /hook entrypoint\.10-a\.sh: hello from a$/.test(l)), "hook output prefixed with its name");
  const job = rig.fake.queueJob({ labels, name: "env", run: 'echo "vars:$FROM_ROOT:$FROM_GUEST:$(echo "$MULTI" | tr "\\n" +)"' });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  t.match(rig.fake.job(job)?.log, /vars:r1:g1:l1\+l2\+/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("the registration token is asked for while the guest hooks run, and used: one request", async (t) => {
  const rig = await setupRig(t);
  // The guest hook ends only once GitHub has been asked for the token: without the prefetch the boot would hang here.
  const asked = join(rig.base, "token-asked");
  hook(rig.guestHooks, "entrypoint.10-wait.sh", `until [ -e ${asked} ]; do sleep 0.05; done`, rig.user);
  const tokenRequests = () => rig.fake.requests().filter((r) => r.method === "POST" && r.path.endsWith("/actions/runners/registration-token"));
  const sup = rig.start();
  await rig.fake.waitFor(() => tokenRequests().length > 0);
  writeFileSync(asked, "");
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(tokenRequests().length, 1, "config.sh got the token asked for early, not a second one");
  t.equal(rig.fake.runners().length, 1);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("a failing hook stops the boot: one line naming it and its code, exit 1, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const marker = join(rig.base, "later-ran");
  hook(rig.rootHooks, "entrypoint.10-fail.sh", "exit 7");
  hook(rig.rootHooks, "entrypoint.20-later.sh", `touch ${marker}`);
  const sup = rig.start();
  const { code } = await sup.exited;
  t.equal(code, 1);
  t.match(sup.output(), new RegExp(`hook ${rig.rootHooks}/entrypoint\\.10-fail\\.sh failed with exit code 7`));
  t.notOk(existsSync(marker), "later hooks did not run");
  t.equal(rig.fake.runners().length, 0);
  t.equal(rig.fake.requests().length, 0, "GitHub never called");
});

t.test("background processes left by hooks keep running and are stopped at shutdown", async (t) => {
  const rig = await setupRig(t);
  // A name to find it by from outside the PID namespace.
  const marker = `bg-marker-${process.pid}-${Date.now()}`;
  // The hook returns once the child carries the name (exec done), so the boot never races it.
  hook(rig.rootHooks, "entrypoint.10-bg.sh", `(exec -a ${marker} sleep 1000) >/dev/null 2>&1 &\nuntil grep -qa ${marker} /proc/$!/cmdline; do sleep 0.01; done`);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(liveProcesses(marker), 1, "background process alive while the runner runs");
  sup.signal("SIGTERM");
  await sup.waitForLine(/stopping 1 background process group\(s\) left by root hooks/);
  t.equal((await sup.exited).code, 143);
  t.equal(liveProcesses(marker), 0, "stopped at shutdown");
});

t.test("a background process that keeps the hook's output open holds up nothing; its later lines are still relayed", async (t) => {
  const rig = await setupRig(t);
  // No redirection: the background shell holds the hook's stdout for as long as it runs.
  hook(rig.rootHooks, "entrypoint.10-bg.sh", `sh -c 'trap "echo bg got TERM; exit 0" TERM; echo bg started; while :; do sleep 1; done' &`);
  hook(rig.rootHooks, "entrypoint.20-next.sh", "echo next hook ran");
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  t.ok(sup.lines.some((l) => /hook entrypoint\.20-next\.sh: next hook ran$/.test(l)), "the next hook ran");
  sup.signal("SIGTERM");
  await sup.waitForLine(/hook entrypoint\.10-bg\.sh: bg got TERM$/);
  t.equal((await sup.exited).code, 143);
});

t.test("200 orphans from a hook: none left as zombies", async (t) => {
  const rig = await setupRig(t);
  const marker = `orphan-${process.pid}-${Date.now()}`;
  hook(rig.rootHooks, "entrypoint.10-orphans.sh", `for i in $(seq 200); do ( (exec -a ${marker} sleep 0.2) &); done`);
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  const { execFileSync } = await import("node:child_process");
  const innerPid = Number(readFileSync(`/proc/${sup.child.pid}/task/${sup.child.pid}/children`, "utf8").trim().split(/\s+/)[0]);
  const zombies = () => execFileSync("ps", ["-o", "stat=", "--ppid", String(innerPid)]).toString().split("\n").filter((s) => s.startsWith("Z")).length;
  // Every orphan has exited (a zombie until reaped); reaping each is then a matter of the reaper, not of time.
  await rig.fake.waitFor(() => liveProcesses(marker) === 0);
  const left = await rig.fake.waitFor(() => zombies() === 0 && "none").catch(() => `${zombies()}`);
  t.equal(left, "none", "no zombie children of PID 1");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("a hook exporting what no environment can hold: one warning each, the rest exported, the runner and the job still start", async (t) => {
  const rig = await setupRig(t);
  hook(
    rig.rootHooks,
    "entrypoint.20-big.sh",
    `{ printf 'HUGE='; printf '%*s\\n' 200000 '' | tr ' ' x; printf 'NULVAR=a\\0b\\n'; echo FINE=ok; } >> "$CI_RUNNER_ENV"`,
  );
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  t.match(sup.output(), /hook entrypoint\.20-big\.sh: warning: \$CI_RUNNER_ENV line 1: HUGE is 196 KiB; the kernel refuses an environment entry over 128 KiB \(E2BIG\); not exported/);
  t.match(sup.output(), /hook entrypoint\.20-big\.sh: warning: \$CI_RUNNER_ENV line 2: NULVAR contains a NUL byte/);
  const job = rig.fake.queueJob({ labels, name: "env", run: 'echo "fine:$FINE huge:${#HUGE}"' });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  t.equal(rig.fake.job(job)?.conclusion, "Succeeded");
  t.match(rig.fake.job(job)?.log, /fine:ok huge:0/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

t.test("a hooks directory that cannot be read: one warning naming it, the runner starts", async (t) => {
  const rig = await setupRig(t);
  // Root reads everything; a symlink loop stands in for /root under `docker run --user 1001`.
  const loop = join(rig.base, "loop");
  symlinkSync(loop, loop);
  const sup = rig.start({ ROOT_HOOKS_DIR: loop });
  await sup.waitForLine(/Listening for Jobs/);
  t.equal(sup.lines.filter((l) => l.includes(`root hooks: cannot read ${loop} (ELOOP); its hooks are skipped`)).length, 1);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
});

// Not PID 1 (`docker run --init`, a host's service manager), nothing kills what is left when the supervisor exits.
t.test("not PID 1: what a failing hook started is stopped before the supervisor exits", async (t) => {
  const rig = await setupRig(t);
  const marker = `failed-bg-${process.pid}-${Date.now()}`;
  t.teardown(() => void spawnSync("pkill", ["-KILL", "-f", `^${marker}`]));
  hook(rig.rootHooks, "entrypoint.10-fail.sh", `(exec -a ${marker} sleep 1000) >/dev/null 2>&1 &\nuntil grep -qa ${marker} /proc/$!/cmdline; do sleep 0.01; done\nexit 7`);
  const sup = rig.start({}, { pid1: false });
  t.equal((await sup.exited).code, 1);
  t.equal(liveProcesses(marker), 0, "nothing the hook started outlives the supervisor");
});

t.test("not PID 1: SIGTERM while a hook runs stops what it started, also what ignores SIGTERM", async (t) => {
  const rig = await setupRig(t);
  const marker = `stopped-bg-${process.pid}-${Date.now()}`;
  t.teardown(() => void spawnSync("pkill", ["-KILL", "-f", `^${marker}`]));
  const fifo = join(rig.base, "hook.fifo");
  spawnSync("mkfifo", [fifo]);
  // Waits on the fifo, which nobody opens: the stop comes while it runs.
  hook(rig.rootHooks, "entrypoint.10-wait.sh", `(trap '' TERM; exec -a ${marker} sleep 1000) >/dev/null 2>&1 &\nuntil grep -qa ${marker} /proc/$!/cmdline; do sleep 0.01; done\necho started\nread -r line < ${fifo}`);
  const sup = rig.start({}, { pid1: false });
  await sup.waitForLine(/hook entrypoint\.10-wait\.sh: started$/);
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.equal(liveProcesses(marker), 0, "nothing the hook started outlives the supervisor");
  t.equal(rig.fake.runners().length, 0);
});
