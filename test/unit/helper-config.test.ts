import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import t from "tap";
import { credentialUrls, helperConfig } from "../../src/git/git-credentials-phase.ts";
import { createOwnedFile } from "../../src/warmstart/owned-file.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(`${tmpdir()}/helper-config-`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

t.test("a new ~/.gitconfig reads exactly as git's own `git config --add` writes it", async (t) => {
  const dir = tempDir(t);
  for (const ghUrl of ["https://github.com", "http://127.0.0.1:3000", "https://ghe.example.com:8443"]) {
    const urls = credentialUrls(ghUrl);
    const byGit = `${dir}/by-git`;
    rmSync(byGit, { force: true });
    for (const url of urls) execFileSync("git", ["config", "--file", byGit, "--add", `credential.${url}.helper`, "/usr/local/bin/git-credential-ci-runner"]);
    t.equal(helperConfig(urls, "/usr/local/bin/git-credential-ci-runner"), readFileSync(byGit, "utf8"), ghUrl);
  }
});

t.test("values git would quote or escape are left to git", async (t) => {
  for (const helper of ["/opt/my helper", "/opt/a#b", "/opt/a;b", '/opt/a"b', "/opt/a\\b", ""]) {
    t.equal(helperConfig(["https://github.com"], helper), undefined, JSON.stringify(helper));
  }
  t.equal(helperConfig(['https://x"y'], "/h"), undefined);
});

t.test("createOwnedFile creates a file where nothing is, never over anything, and leaves no temporary file", async (t) => {
  const dir = tempDir(t);
  t.equal(createOwnedFile(`${dir}/f`, "one\n", me, 0o640), true);
  t.equal(readFileSync(`${dir}/f`, "utf8"), "one\n");
  t.equal(statSync(`${dir}/f`).mode & 0o777, 0o640);
  t.equal(createOwnedFile(`${dir}/f`, "two\n", me, 0o644), false, "a file is there");
  t.equal(readFileSync(`${dir}/f`, "utf8"), "one\n");

  writeFileSync(`${dir}/target`, "untouched\n");
  symlinkSync(`${dir}/target`, `${dir}/link`);
  t.equal(createOwnedFile(`${dir}/link`, "three\n", me, 0o644), false, "a symlink is there");
  t.equal(readFileSync(`${dir}/target`, "utf8"), "untouched\n", "not written through the symlink");
  symlinkSync(`${dir}/nowhere`, `${dir}/dangling`);
  t.equal(createOwnedFile(`${dir}/dangling`, "four\n", me, 0o644), false, "a dangling symlink is there");
  t.throws(() => lstatSync(`${dir}/nowhere`), "nothing created at its target");
  t.same(
    execFileSync("ls", ["-A", dir], { encoding: "utf8" }).trim().split("\n").sort(),
    ["dangling", "f", "link", "target"],
  );
  t.throws(() => createOwnedFile(`${dir}/no-such-dir/f`, "x", me, 0o644), { code: "ENOENT" });
});
