import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import t from "tap";
import { PERSIST_SEC } from "../../src/warmstart/ssh-mux.ts";
import { createWarmStartPhase } from "../../src/warmstart/warm-start-phase.ts";
import { checkoutDir, localMetaPath, storageDirFor } from "../../src/warmstart/storage-layout.ts";
import { phaseHarness, workDir } from "../fixtures/warmstart/phase-context.ts";
import { treeOf, writeSlot } from "../fixtures/warmstart/slots.ts";
import { startStorageHost } from "../fixtures/warmstart/storage-host.ts";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";
import { ensureTestUser } from "../helpers/test-user.ts";

const host = await startStorageHost();
t.teardown(() => host.stop());
const testUser = ensureTestUser();
const storageRoot = `${host.dir}/storage`;
const work = workDir(host.dir, "work");
const local = checkoutDir(work, "acme/web");
const storageDir = storageDirFor(storageRoot, "acme/web", local);
const metaFile = localMetaPath(local);
t.teardown(() => execFileSync("rm", ["-f", metaFile]));

// Oldest first, a second apart (slot age is the inode ctime, in seconds). "zz-old" would win a tie.
writeSlot(storageDir, "zz-old", { files: 5, bytesEach: 1000 });
await new Promise((r) => setTimeout(r, 1100));
// Owned by the runner user, as slots stored by runners are (root on the host keeps owners).
const newest = writeSlot(storageDir, "run-200", {
  files: 30,
  bytesEach: 100_000,
  meta: "full_snapshot_history=run-100 zz-old\nhints=h1 h2\n",
  owner: testUser,
});
// A symlink and a mode of their own, which the load keeps (into an empty dir it writes files in place).
symlinkSync("d0/e0/f0.bin", `${newest}/link-to-f0`);
chmodSync(`${newest}/d1/e1/f1.bin`, 0o750);
execFileSync("chown", ["-h", `${testUser.uid}:${testUser.gid}`, `${newest}/link-to-f0`]);
writeSlot(storageDir, "run-300.tmp.1700000000", { files: 1, bytesEach: 10 });
writeSlot(storageDir, "run-200.bak.1700000000", { files: 1, bytesEach: 10 });
const expected = treeOf(newest);
expected.delete(".ci-storage.meta");

const env = {
  WORK_DIR: work,
  CI_STORAGE_HOST: host.spec,
  CI_STORAGE_DIR: storageRoot,
  CI_STORAGE_PRIVATE_KEY: host.goodKey,
};
const mode = (p: string) => statSync(p).mode & 0o777;
const owner = (p: string) => `${statSync(p).uid}:${statSync(p).gid}`;

t.test("boot: home prepared, newest slot loaded in the background, meta file for the next store", async (t) => {
  const h = phaseHarness(host.dir, testUser, env);
  t.teardown(h.done);
  const rootHome = mkdtempSync(`${host.dir}/root-home-`);
  const phase = createWarmStartPhase({
    rootUser: { name: "root", uid: 0, gid: 0, home: rootHome, shell: "/bin/bash" },
    progressIntervalMs: 200,
    extraRsyncArgs: ["--bwlimit=3000"],
  });
  await phase.start(h.ctx);
  const bg = h.ctx.background.get("warmstart");
  t.ok(bg, "the load is registered as background work");
  t.notOk(h.lines.some((l) => l.includes("loaded slot")), "start returned before the load ended");
  await bg;
  t.match(h.lines.join("\n"), /loaded slot run-200 from root@127\.0\.0\.1:\d+: 3\.00 MB, 31 files, [\d.]+ s/, "summary line");

  t.same(treeOf(local), expected, "the newest slot's files, not the tmp/bak/old ones, no .ci-storage.meta");
  t.equal(readFileSync(metaFile, "utf8"), "full_snapshot_history=run-200 run-100 zz-old\nhints=h1 h2\n");
  t.equal(owner(metaFile), `${testUser.uid}:${testUser.gid}`, "meta file belongs to the runner user (store rewrites it)");
  t.equal(owner(`${local}/d0/e0/f0.bin`), `${testUser.uid}:${testUser.gid}`, "files written as the runner user");
  t.equal(readlinkSync(`${local}/link-to-f0`), "d0/e0/f0.bin", "a symlink stays a symlink");
  t.equal(mode(`${local}/d1/e1/f1.bin`), 0o750, "a file's mode is the slot's");

  const progress = h.lines.filter((l) => /loading slot run-200: [\d.]+ (B|kB|MB), [\d,]+ files so far, [\d.]+ (B|kB|MB)\/s$/.test(l));
  t.ok(progress.length >= 1, `progress lines (${progress.length})`);
  t.match(h.ctx.state.get().sections.warmstart, { status: "loaded", slot: "run-200", size: 3_000_000 + 7 + 12 }); // files, slot-id.txt, the symlink's target name

  const home = h.user.home;
  t.equal(readFileSync(`${home}/ci-storage-host`, "utf8"), `${host.spec}\n`);
  t.equal(readFileSync(`${home}/.ssh/id_rsa`, "utf8"), host.goodKey);
  t.same([mode(`${home}/.ssh`), mode(`${home}/.ssh/id_rsa`), mode(`${home}/ci-storage-host`)], [0o700, 0o600, 0o644]);
  for (const p of [`${home}/.ssh`, `${home}/.ssh/id_rsa`, `${home}/ci-storage-host`, `${home}/.bash_profile`, local]) {
    t.equal(owner(p), `${testUser.uid}:${testUser.gid}`, `owner of ${p}`);
  }
  t.equal(readFileSync(`${rootHome}/.ssh/id_rsa`, "utf8"), host.goodKey, "root gets the key too");
  t.equal(owner(`${rootHome}/.ssh/id_rsa`), "0:0");
  const pwd = execFileSync("setpriv", [`--reuid=${testUser.uid}`, `--regid=${testUser.gid}`, "--init-groups", "bash", "-l", "-c", "pwd"], {
    env: { HOME: home, PATH: process.env.PATH },
    encoding: "utf8",
  });
  t.equal(pwd.trim(), local, "a login shell lands in the checkout dir");
});

t.test("a later store-style rsync --link-dest to the loaded slot sends only what changed", async (t) => {
  const linkDest = readFileSync(metaFile, "utf8").match(/^full_snapshot_history=(\S+)/)?.[1];
  t.equal(linkDest, "run-200");
  writeFileSync(`${local}/d1/e1/f1.bin`, "changed");
  writeFileSync(`${local}/d2/e2/f2.bin`, "changed too");
  writeFileSync(`${local}/new.txt`, "new");
  execFileSync("cp", ["-r", "--preserve=mode", `${host.goodKeyFile}`, `${host.dir}/compat-key`]);
  execFileSync("chown", [`${testUser.uid}`, `${host.dir}/compat-key`]);
  // The tool's store: --inplace --link-dest=../<history[0]>/ plus its common flags, as the runner user.
  const ssh = `ssh -oStrictHostKeyChecking=no -oUserKnownHostsFile=/dev/null -oLogLevel=error -p${host.port} -i ${host.dir}/compat-key`;
  const out = execFileSync(
    "setpriv",
    [
      `--reuid=${testUser.uid}`,
      `--regid=${testUser.gid}`,
      "--init-groups",
      "rsync",
      "--inplace",
      `--link-dest=../${linkDest}/`,
      "-e",
      ssh,
      "-a",
      "--partial",
      "--stats",
      "--modify-window=-1",
      "--delete",
      "--exclude=.ci-storage.meta",
      `${local}/`,
      `root@127.0.0.1:${storageDir}/run-201.tmp.1700000001/`,
    ],
    { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8" },
  );
  t.match(out, /Number of regular files transferred: 3\n/, "3 of 31 files sent");
  const sent = Number(/Total transferred file size: ([\d,]+)/.exec(out)?.[1]?.replaceAll(",", ""));
  t.equal(sent, "changed".length + "changed too".length + "new".length, "bytes of the changed files only");
  const a = statSync(`${storageDir}/run-200/d0/e0/f0.bin`);
  const b = statSync(`${storageDir}/run-201.tmp.1700000001/d0/e0/f0.bin`);
  t.equal(b.ino, a.ino, "unchanged files are hard links into the loaded slot");
});

t.test("no CI_STORAGE_HOST: checkout dir and login profile only", async (t) => {
  const w = workDir(host.dir, "work-plain");
  const h = phaseHarness(host.dir, testUser, { WORK_DIR: w, CI_STORAGE_PRIVATE_KEY: host.goodKey });
  t.teardown(h.done);
  await createWarmStartPhase().start(h.ctx);
  const dir = checkoutDir(w, "acme/web");
  t.equal(owner(dir), `${testUser.uid}:${testUser.gid}`, "checkout dir created for the runner user");
  t.match(readFileSync(`${h.user.home}/.bash_profile`, "utf8"), `cd ${dir} 2>/dev/null || true`);
  t.notOk(existsSync(`${h.user.home}/ci-storage-host`));
  t.notOk(existsSync(`${h.user.home}/.ssh/id_rsa`), "no key installed without a host");
  t.equal(h.ctx.background.size, 0, "nothing for the runner to wait for");
});

t.test("CI_STORAGE_HOST without a key: a warning, no load", async (t) => {
  const w = workDir(host.dir, "work-nokey");
  const h = phaseHarness(host.dir, testUser, { WORK_DIR: w, CI_STORAGE_HOST: host.spec });
  t.teardown(h.done);
  await createWarmStartPhase().start(h.ctx);
  t.match(h.lines.join("\n"), /warning: CI_STORAGE_HOST is set but CI_STORAGE_PRIVATE_KEY is not: no warm start from root@127\.0\.0\.1/);
  t.equal(readFileSync(`${h.user.home}/ci-storage-host`, "utf8"), `${host.spec}\n`, "the action still finds the host");
  t.equal(h.ctx.background.size, 0);
});

t.test("the listing and the transfer share one ssh login, ended with the load", async (t) => {
  const h = phaseHarness(host.dir, testUser, env);
  t.teardown(h.done);
  const tmpDir = mkdtempSync(`${host.dir}/tmp-`);
  chmodSync(tmpDir, 0o755);
  const rootHome = mkdtempSync(`${host.dir}/root-home-`);
  // The store test's rsync ran in execFileSync, with the event loop blocked: two turns (each polls sshd's
  // output) read what sshd logged of it then, so that only this load's logins come after `before`.
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  const before = host.log.lines.length;
  const phase = createWarmStartPhase({ rootUser: { name: "root", uid: 0, gid: 0, home: rootHome, shell: "/bin/bash" }, tmpDir });
  await phase.start(h.ctx);
  await h.ctx.background.get("warmstart");
  t.match(h.lines.join("\n"), /loaded slot run-200 from /);
  // sshd logged each login before that login's session ran, so all of them are in by now.
  const ports = host.log.lines.slice(before).flatMap((l) => /Accepted publickey for root from 127\.0\.0\.1 port (\d+)/.exec(l)?.[1] ?? []);
  t.equal(ports.length, 1, `one login for the listing and the transfer (${ports.length})`);
  // Left alone, the shared connection would idle for PERSIST_SEC, beyond the hang guard: its end now is the load's doing.
  t.ok(PERSIST_SEC * 1000 > HANG_GUARD_MS);
  await host.log.waitFor(new RegExp(`Disconnected from user root 127\\.0\\.0\\.1 port ${ports[0]}\\b`));
  t.same(readdirSync(tmpDir).filter((n) => n.startsWith("ci-runner-ssh-")), [], "its socket dir is gone");
});

t.test("into a checkout dir with files (a container that lives on): hard links are replaced, not written through; stale files go", async (t) => {
  // A job's hard link (pnpm's store) at a name the slot also has, with other content.
  const outside = `${mkdtempSync(`${host.dir}/store-`)}/blob`;
  writeFileSync(outside, "the store's own content");
  chmodSync(`${local}/d0/e0/f0.bin`, 0o644);
  execFileSync("rm", ["-f", `${local}/d0/e0/f0.bin`]);
  linkSync(outside, `${local}/d0/e0/f0.bin`);
  execFileSync("chown", [`${testUser.uid}:${testUser.gid}`, outside, `${local}/d0/e0/f0.bin`]);
  writeFileSync(`${local}/stale.txt`, "from an earlier job");
  execFileSync("chown", [`${testUser.uid}:${testUser.gid}`, `${local}/stale.txt`]);
  const h = phaseHarness(host.dir, testUser, env);
  t.teardown(h.done);
  const rootHome = mkdtempSync(`${host.dir}/root-home-`);
  await createWarmStartPhase({ rootUser: { name: "root", uid: 0, gid: 0, home: rootHome, shell: "/bin/bash" } }).start(h.ctx);
  await h.ctx.background.get("warmstart");
  t.match(h.lines.join("\n"), /loaded slot run-200 from /);
  t.equal(readFileSync(outside, "utf8"), "the store's own content", "the file outside is untouched");
  t.same(treeOf(local), expected, "the slot's files, the stale one deleted");
  t.equal(lstatSync(`${local}/d0/e0/f0.bin`).nlink, 1, "the name is a file of its own again");
});
