import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import t from "tap";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import { installSshKey } from "../../src/warmstart/install-ssh-key.ts";
import { writeLoginProfile } from "../../src/warmstart/login-profile.ts";

function tempUser(t: { teardown(fn: () => void): void }): UserInfo {
  const home = mkdtempSync(`${tmpdir()}/ws-home-`);
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  return { name: "me", uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home, shell: "/bin/bash" };
}

/** What `bash -l` prints as its working directory for this home. */
function loginPwd(user: UserInfo): string {
  return execFileSync("bash", ["-l", "-c", "pwd"], { env: { HOME: user.home, PATH: process.env.PATH }, encoding: "utf8" }).trim();
}

t.test("bash_profile: a fresh one sources ~/.profile and lands in the checkout dir", async (t) => {
  const user = tempUser(t);
  const dir = `${user.home}/work dir/r/r`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${user.home}/.profile`, "export FROM_PROFILE=yes\ncd /\n");
  const file = writeLoginProfile(user, dir);
  t.equal(statSync(file).mode & 0o777, 0o644);
  t.equal(loginPwd(user), dir);
  t.equal(
    execFileSync("bash", ["-l", "-c", "echo $FROM_PROFILE"], { env: { HOME: user.home, PATH: process.env.PATH }, encoding: "utf8" }).trim(),
    "yes",
  );
});

t.test("bash_profile: kept lines stay, the block is replaced at every boot", async (t) => {
  const user = tempUser(t);
  writeFileSync(`${user.home}/.bash_profile`, "# mine\n. ~/.bashrc\nexport MINE=1\n");
  writeLoginProfile(user, "/nonexistent/old");
  writeLoginProfile(user, user.home);
  writeLoginProfile(user, "/");
  const text = readFileSync(`${user.home}/.bash_profile`, "utf8");
  t.match(text, /^# mine\n\. ~\/\.bashrc\nexport MINE=1\n\n# >>> ci-runner/);
  t.equal(text.match(/>>> ci-runner/g)?.length, 1, "one block");
  t.notMatch(text, /nonexistent|\.profile/, "old block gone; no second sourcing when the file already sources .bashrc");
  t.match(text, /cd \/ 2>\/dev\/null \|\| true\n# <<< ci-runner <<<\n$/);
  t.equal(loginPwd(user), "/");
});

t.test("ssh key: ~/.ssh 700, key 600 with a final newline", async (t) => {
  const user = tempUser(t);
  mkdirSync(`${user.home}/.ssh`);
  chmodSync(`${user.home}/.ssh`, 0o755);
  const file = installSshKey(user, "-----BEGIN KEY-----\r\nabc\r\n-----END KEY-----");
  t.equal(file, `${user.home}/.ssh/id_rsa`);
  t.equal(readFileSync(file, "utf8"), "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(statSync(`${user.home}/.ssh`).mode & 0o777, 0o700);
});
