import t from "tap";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirs } from "../../src/fs/make-dirs.ts";

t.test("creates the missing parents with the mode, returns the first created, undefined when it existed", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "make-dirs-"));
  const deep = join(base, "a", "b", "c");
  t.equal(makeDirs(deep, 0o700), join(base, "a"));
  t.ok(statSync(deep).isDirectory());
  t.equal(statSync(join(base, "a", "b")).mode & 0o777, 0o700);
  t.equal(makeDirs(deep, 0o700), undefined, "already there");
});

t.test("a file in the way is ENOTDIR", async (t) => {
  const base = mkdtempSync(join(tmpdir(), "make-dirs-"));
  writeFileSync(join(base, "file"), "");
  t.throws(() => makeDirs(join(base, "file")), { code: "ENOTDIR" });
  t.throws(() => makeDirs(join(base, "file", "below")), { code: "ENOTDIR" });
});

t.test("where mkdir answers ENOENT under an existing parent (procfs), an error at once, not a spin", async (t) => {
  t.throws(() => makeDirs("/proc/ci-runner-no-such-dir/x"), { code: "ENOENT" });
});
