import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import t from "tap";
import { findExecutable } from "../../src/fs/find-executable.ts";
import { createWarmStartPhase, type WarmStartOptions } from "../../src/warmstart/warm-start-phase.ts";
import { checkoutDir, localMetaPath, storageDirFor } from "../../src/warmstart/storage-layout.ts";
import { phaseHarness, workDir, type PhaseHarness } from "../fixtures/warmstart/phase-context.ts";
import { writeSlot } from "../fixtures/warmstart/slots.ts";
import { freePort, startStorageHost } from "../fixtures/warmstart/storage-host.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";
import { heldDeadline } from "../helpers/held-deadline.ts";
import { ensureTestUser } from "../helpers/test-user.ts";

const host = await startStorageHost();
t.teardown(() => host.stop());
const testUser = ensureTestUser();
const storageRoot = `${host.dir}/storage`;
const HOST = /root@127\.0\.0\.1:\d+/.source;

interface Case {
  readonly h: PhaseHarness;
  readonly local: string;
  readonly metaFile: string;
}

/** A work dir of its own with one 3 MB slot stored for it (and a file left from an earlier life). */
function setup(t: Tap, name: string, env: Record<string, string> = {}, repo = "acme/web"): Case {
  const work = workDir(host.dir, name);
  const local = checkoutDir(work, repo);
  mkdirSync(local, { recursive: true });
  writeFileSync(`${local}/left-from-before.txt`, "x");
  writeSlot(storageDirFor(storageRoot, repo, local), "run-1", { files: 30, bytesEach: 100_000, owner: testUser });
  const metaFile = localMetaPath(local);
  t.teardown(() => rmSync(metaFile, { force: true }));
  const h = phaseHarness(host.dir, testUser, {
    WORK_DIR: work,
    GH_REPOSITORY: repo,
    CI_STORAGE_HOST: host.spec,
    CI_STORAGE_DIR: storageRoot,
    CI_STORAGE_PRIVATE_KEY: host.goodKey,
    ...env,
  });
  t.teardown(h.done);
  return { h, local, metaFile };
}
type Tap = { teardown(fn: () => unknown): void };

async function boot(c: Case, opts: WarmStartOptions = {}): Promise<void> {
  await createWarmStartPhase(opts).start(c.h.ctx);
  await c.h.ctx.background.get("warmstart");
}

/** Processes whose command line mentions `text` (rsync and ssh of a load name the local dir). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(text)) found.push(`${pid}: ${cmd}`);
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

const log = (c: Case) => c.h.lines.join("\n");

async function lineMatching(c: Case, re: RegExp): Promise<void> {
  const until = Date.now() + HANG_GUARD_MS;
  while (!c.h.lines.some((l) => re.test(l))) {
    if (Date.now() > until) throw new Error(`no line matching ${re}:\n${log(c)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Holds the slot transfer at a known step: `ssh` in the load's PATH is
 * held-ssh.mjs, which passes the first 500 kB the host's rsync sends (a few
 * whole files) and holds the rest until the test ends, so that the load is
 * still running when the test acts, however slow the machine (a --bwlimit
 * only made that likely). The listing goes through unheld.
 */
function holdTransfer(t: Tap, c: Case, name: string): void {
  const bin = `${host.dir}/held-ssh-${name}`;
  mkdirSync(bin, { recursive: true, mode: 0o755 });
  const release = `${bin}/release`;
  copyFileSync(new URL("../fixtures/warmstart/held-ssh.mjs", import.meta.url), `${bin}/ssh`);
  chmodSync(`${bin}/ssh`, 0o755);
  const env = c.h.ctx.exportedEnv;
  env.set("PATH", `${bin}:${process.env.PATH}`);
  env.set("HELD_SSH_REAL", findExecutable("ssh", process.env.PATH) as string);
  env.set("HELD_SSH_BYTES", "500000");
  env.set("HELD_SSH_RELEASE", release);
  // A transfer the product failed to kill would then finish instead of lingering.
  t.teardown(() => writeFileSync(release, ""));
}

t.test("a load longer than CI_STORAGE_LOAD_TIMEOUT_SEC is given up during the transfer, the partial dir cleaned", async (t) => {
  const c = setup(t, "timeout", { CI_STORAGE_LOAD_TIMEOUT_SEC: "7" });
  holdTransfer(t, c, "timeout");
  const held = heldDeadline();
  const phase = createWarmStartPhase({ deadline: held.deadline, progressIntervalMs: 100 });
  await phase.start(c.h.ctx);
  // Give up once rsync has written part of the slot: the moment is the test's, not the machine's speed.
  await lineMatching(c, /loading slot run-1: [1-9]/);
  t.equal(held.requestedMs(), 7000, "the timer is CI_STORAGE_LOAD_TIMEOUT_SEC long");
  t.ok(readdirSync(c.local).some((f) => /^d\d$/.test(f)), "part of the slot is on disk when the timer fires");
  held.fire();
  await c.h.ctx.background.get("warmstart");
  t.match(log(c), new RegExp(`warning: gave up loading from ${HOST} after 7 s \\(CI_STORAGE_LOAD_TIMEOUT_SEC\\); .* cleaned, the runner starts cold`));
  t.notMatch(log(c), /loaded slot/);
  t.same(readdirSync(c.local), [], "partial dir emptied");
  t.equal(readFileSync(c.metaFile, "utf8"), "full_snapshot_history=\nhints=\n", "meta says: nothing loaded");
  t.same(processesMentioning(c.local), [], "rsync and ssh are gone");
  t.match(c.h.ctx.state.get().sections.warmstart, { status: "timeout" });
});

t.test("a timeout while the slots are listed leaves the checkout dir as it was", async (t) => {
  const c = setup(t, "timeout-listing", { CI_STORAGE_LOAD_TIMEOUT_SEC: "5" });
  const held = heldDeadline();
  // The timer has fired before ssh lists anything: nothing was written, nothing is removed.
  held.fire();
  await boot(c, { deadline: held.deadline });
  t.match(log(c), new RegExp(`warning: gave up loading from ${HOST} after 5 s \\(CI_STORAGE_LOAD_TIMEOUT_SEC\\); the runner starts cold`));
  t.notMatch(log(c), /loading slot|cleaned/);
  t.same(readdirSync(c.local), ["left-from-before.txt"], "the checkout dir is untouched");
  t.notOk(existsSync(c.metaFile), "no meta file: nothing was loaded");
  t.same(processesMentioning(c.local), [], "ssh is gone");
  t.match(c.h.ctx.state.get().sections.warmstart, { status: "timeout" });
});

t.test("a key the host refuses: one line naming host and cause, runner starts cold", async (t) => {
  const c = setup(t, "badkey", { CI_STORAGE_PRIVATE_KEY: host.badKey });
  await boot(c);
  t.match(log(c), new RegExp(`warning: cannot list slots on ${HOST}: the storage host refused the key \\(CI_STORAGE_PRIVATE_KEY\\); the runner starts cold`));
  t.same(readdirSync(c.local), ["left-from-before.txt"], "nothing was transferred, nothing removed");
  t.notOk(existsSync(c.metaFile));
});

t.test("a port nobody listens on: connection refused", async (t) => {
  const port = await freePort();
  const c = setup(t, "refused", { CI_STORAGE_HOST: `root@127.0.0.1:${port}` });
  await boot(c);
  t.match(log(c), new RegExp(`cannot list slots on root@127\\.0\\.0\\.1:${port}: connection refused; the runner starts cold`));
});

t.test("a host that accepts but never answers: connect timeout", async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const c = setup(t, "silent", { CI_STORAGE_HOST: `127.0.0.1:${port}` });
  await boot(c, { connectTimeoutSec: 1 });
  t.match(log(c), new RegExp(`cannot list slots on 127\\.0\\.0\\.1:${port}: the storage host does not answer \\(connect timeout\\)`));
});

t.test("rsync missing here: a clear line, no load", async (t) => {
  const c = setup(t, "norsync");
  const bin = `${host.dir}/bin-without-rsync`;
  mkdirSync(bin, { recursive: true });
  if (!existsSync(`${bin}/ssh`)) symlinkSync(findExecutable("ssh", process.env.PATH) as string, `${bin}/ssh`);
  c.h.ctx.exportedEnv.set("PATH", bin);
  await boot(c);
  t.match(log(c), new RegExp(`cannot load from ${HOST}: rsync is not installed here \\(not in PATH\\); the runner starts cold`));
});

t.test("no usable slot (only .tmp. and .bak.): local dir emptied, success", async (t) => {
  const c = setup(t, "noslot", {}, "acme/empty");
  const storageDir = storageDirFor(storageRoot, "acme/empty", c.local);
  execRename(`${storageDir}/run-1`, `${storageDir}/run-1.tmp.1700000000`);
  writeSlot(storageDir, "run-0.bak.1700000000", { files: 1, bytesEach: 1 });
  await boot(c);
  t.match(log(c), new RegExp(`no slot to load in ${HOST}:${storageDir}; ${c.local} is empty`));
  t.same(readdirSync(c.local), []);
  t.equal(readFileSync(c.metaFile, "utf8"), "full_snapshot_history=\nhints=\n");
  t.match(c.h.ctx.state.get().sections.warmstart, { status: "empty" });
});

t.test("no storage dir at all: the same", async (t) => {
  const c = setup(t, "nostorage", {}, "acme/none");
  execRename(storageDirFor(storageRoot, "acme/none", c.local), `${host.dir}/moved-away-${Date.now()}`);
  await boot(c);
  t.match(log(c), /no slot to load in .*; .* is empty/);
  t.same(readdirSync(c.local), []);
});

t.test("stop during the load: rsync and ssh killed, no meta file, background settles", async (t) => {
  const c = setup(t, "stop");
  holdTransfer(t, c, "stop");
  const phase = createWarmStartPhase({ progressIntervalMs: 100 });
  await phase.start(c.h.ctx);
  await lineMatching(c, /loading slot run-1: [1-9]/);
  t.ok(processesMentioning(c.local).length > 0, "the transfer is running");
  c.h.stop();
  await phase.stop?.(c.h.ctx, { kind: "signal", signal: "SIGTERM" });
  t.same(processesMentioning(c.local), [], "nothing left running once stop resolved");
  await c.h.ctx.background.get("warmstart");
  t.match(log(c), new RegExp(`load from ${HOST} stopped: shutting down`));
  t.notMatch(log(c), /loaded slot|cleaned/);
  t.notOk(existsSync(c.metaFile), "no meta file written");
});

function execRename(from: string, to: string): void {
  mkdirSync(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  renameSync(from, to);
}
