// Files and directories root writes into the runner user's home, which a
// job (as that user) may have filled with symlinks in a container that lives
// on: nothing is written or chowned through them.
import { lchownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { createOwnedFile, makeOwnedDir, readUserFile, writeOwnedFile } from "../../src/warmstart/owned-file.ts";
import { execFileSync } from "node:child_process";

const asRoot = process.getuid?.() === 0;
const GUEST = { uid: 4242, gid: 4243 };

function home(t: Test): { dir: string; victim: string } {
  const dir = mkdtempSync(join(tmpdir(), "owned-file-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const victim = join(dir, "victim");
  writeFileSync(victim, "root's own\n", { mode: 0o600 });
  return { dir, victim };
}

t.test("writeOwnedFile: a symlink planted at its temporary name is not written through", async (t) => {
  const { dir, victim } = home(t);
  const file = join(dir, ".bash_profile");
  symlinkSync(victim, `${file}.tmp.${process.pid}`);
  writeOwnedFile(file, "profile\n", GUEST, 0o644);
  t.equal(readFileSync(victim, "utf8"), "root's own\n", "the symlink's target is untouched");
  t.equal(readFileSync(file, "utf8"), "profile\n");
  t.equal(statSync(file).mode & 0o777, 0o644);
  if (asRoot) t.match(statSync(file), GUEST, "owned by the runner user");
  if (asRoot) t.equal(statSync(victim).uid, 0, "the target still root's");
});

t.test("writeOwnedFile: a symlink at the file's own name is replaced, not followed", async (t) => {
  const { dir, victim } = home(t);
  const file = join(dir, "ci-storage-host");
  symlinkSync(victim, file);
  writeOwnedFile(file, "host\n", GUEST, 0o644);
  t.equal(readFileSync(victim, "utf8"), "root's own\n");
  t.ok(lstatSync(file).isFile(), "a plain file now");
});

t.test("createOwnedFile: false where anything is, a dangling symlink too; nothing written through it", async (t) => {
  const { dir } = home(t);
  const file = join(dir, ".gitconfig");
  const target = join(dir, "elsewhere");
  symlinkSync(target, file);
  t.equal(createOwnedFile(file, "[x]\n", GUEST, 0o644), false);
  t.throws(() => statSync(target), { code: "ENOENT" }, "the symlink's target was not created");
  rmSync(file);
  symlinkSync(target, `${file}.tmp.${process.pid}`);
  t.equal(createOwnedFile(file, "[x]\n", GUEST, 0o644), true, "a symlink at its temporary name is removed first");
  t.throws(() => statSync(target), { code: "ENOENT" });
  t.equal(readFileSync(file, "utf8"), "[x]\n");
});

t.test("makeOwnedDir: an existing directory symlink the runner user made is refused, one naming the path; root's own is followed", { skip: !asRoot && "needs root (chown)" }, async (t) => {
  const { dir } = home(t);
  const target = join(dir, "etc");
  mkdirSync(target, { mode: 0o755 });
  const ssh = join(dir, ".ssh");
  symlinkSync(target, ssh);
  lchownSync(ssh, GUEST.uid, GUEST.gid);
  t.throws(() => makeOwnedDir(ssh, GUEST, 0o700), { message: `${ssh} is a symlink made by uid ${GUEST.uid}, not by root: refused (remove it, or make it as root in the image)` });
  t.equal(statSync(target).uid, 0, "its target keeps root as owner");
  lchownSync(ssh, 0, 0);
  makeOwnedDir(ssh, GUEST, 0o700);
  t.equal(statSync(target).uid, GUEST.uid, "a symlink root made (the image's layout) is followed, as before");
});

t.test("makeOwnedDir: a symlink the runner user made higher up the path is refused too, nothing made where it points", { skip: !asRoot && "needs root (chown)" }, async (t) => {
  const { dir } = home(t);
  const target = join(dir, "etc");
  mkdirSync(target, { mode: 0o755 });
  mkdirSync(join(target, "app"), { mode: 0o755 });
  // A job's link in the work dir: the next boot's checkout dir WORK/app/app would be made (and chowned) in "etc".
  const work = join(dir, "_work");
  mkdirSync(work);
  const app = join(work, "app");
  symlinkSync(target, app);
  lchownSync(app, GUEST.uid, GUEST.gid);
  for (const path of [join(app, "app"), join(app, "new", "deeper")]) {
    t.throws(() => makeOwnedDir(path, GUEST, 0o755), { message: `${app} is a symlink made by uid ${GUEST.uid}, not by root: refused (remove it, or make it as root in the image)` }, path);
  }
  t.equal(statSync(join(target, "app")).uid, 0, "the existing directory it points into keeps root as owner");
  t.throws(() => statSync(join(target, "new")), { code: "ENOENT" }, "nothing was created through it");
});

t.test("makeOwnedDir: root's own symlink in a directory the runner user owns is refused (a job could have moved it there)", { skip: !asRoot && "needs root (chown)" }, async (t) => {
  const { dir } = home(t);
  const target = join(dir, "etc");
  mkdirSync(target, { mode: 0o755 });
  const work = join(dir, "_work");
  mkdirSync(work);
  lchownSync(work, GUEST.uid, GUEST.gid);
  const app = join(work, "app");
  symlinkSync(target, app); // root's link, as if renamed here from the image's layout
  t.throws(() => makeOwnedDir(join(app, "app"), GUEST, 0o755), {
    message: `${app} is a symlink in ${work}, a directory uid ${GUEST.uid} owns, to what uid ${GUEST.uid} does not own: refused (remove it, or make it as root in the image)`,
  });
  t.throws(() => statSync(join(target, "app")), { code: "ENOENT" }, "nothing was created through it");
  t.equal(statSync(target).uid, 0);
  // The image's /home/guest/actions-runner -> /home/runner: root's link in the user's home, to the user's own.
  lchownSync(target, GUEST.uid, GUEST.gid);
  makeOwnedDir(join(app, "app"), GUEST, 0o755);
  t.equal(statSync(join(target, "app")).uid, GUEST.uid, "a link to what the runner user owns already is followed");
});

t.test("readUserFile: a regular file only, never through a symlink, a FIFO or past its size cap", async (t) => {
  const { dir, victim } = home(t);
  const file = join(dir, ".credentials");
  writeFileSync(file, "{}");
  t.equal(readUserFile(file, 1024).toString(), "{}");
  rmSync(file);
  symlinkSync(victim, file);
  t.throws(() => readUserFile(file, 1024), { code: "ELOOP" }, "a symlink to root's file is not followed");
  rmSync(file);
  execFileSync("mkfifo", [file]);
  t.throws(() => readUserFile(file, 1024), { message: `${file} is not a regular file: refused` }, "a FIFO is refused at once, not waited on");
  rmSync(file);
  writeFileSync(file, "x".repeat(2048));
  t.throws(() => readUserFile(file, 1024), { message: `${file} is 2048 bytes, more than 1024: refused` });
});
