// The built-in root hook entrypoint.04-docker-socket.sh: a Docker socket
// mounted from a host, owned by whatever group id that host gave docker,
// becomes usable for the runner user. Each case runs the hook in a mount
// namespace of its own, with a copy of /etc and a tmpfs on /run, so that the
// groups it adds and the socket it finds are the test's, not this machine's.
import t from "tap";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";
import { ensureTestUser, TEST_USER } from "../helpers/test-user.ts";

const HOOK = join(REPO_ROOT, "entrypoint.d/root/entrypoint.04-docker-socket.sh");

/**
 * Runs `setup` (as root, in the namespace: make the socket, groups), then the
 * hook with RUNNER_USER, then prints the user's groups. Returns the hook's
 * output and those groups.
 */
function runHook(setup: string, env: Record<string, string> = {}): { out: string; groups: string[]; groupLine: (gid: number) => string } {
  ensureTestUser();
  const etc = mkdtempSync(join(tmpdir(), "ci-runner-etc-"));
  try {
    cpSync("/etc", etc, { recursive: true, verbatimSymlinks: true });
    // Exiting without close() leaves the socket file, as a host's dockerd does for the container.
    const listen = `${process.execPath} -e 'require("net").createServer().listen(process.argv[1], () => process.exit(0))'`;
    const script = [
      "set -e",
      `mount --bind ${etc} /etc`,
      "mount -t tmpfs tmpfs /run",
      `sock() { ${listen} "$1"; }`,
      setup,
      `echo "--- hook"; bash ${HOOK}; echo "--- groups"; id -G ${TEST_USER}; echo "--- group"; getent group`,
    ].join("\n");
    const out = execFileSync("unshare", ["--mount", "--propagation", "private", "bash", "-c", script], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", RUNNER_USER: TEST_USER, ...env },
      encoding: "utf8",
    });
    const [, hook = "", groups = "", all = ""] = out.split(/^--- \w+\n/m);
    return {
      out: hook.trim(),
      groups: groups.trim().split(/\s+/),
      groupLine: (gid) => all.split("\n").find((l) => l.split(":")[2] === String(gid)) ?? "",
    };
  } finally {
    rmSync(etc, { recursive: true, force: true });
  }
}

t.test("a socket of a gid no group has: a docker-host group with that gid, the runner user in it", async (t) => {
  const r = runHook("sock /run/docker.sock; chgrp 4242 /run/docker.sock; chmod 660 /run/docker.sock");
  t.equal(r.out, `docker socket /var/run/docker.sock belongs to gid 4242: added ${TEST_USER} to group docker-host (gid 4242, created), so its jobs can use Docker`);
  t.ok(r.groups.includes("4242"), "the runner user's groups");
  t.match(r.groupLine(4242), new RegExp(`^docker-host:x:4242:.*${TEST_USER}`));
});

t.test("a socket of an existing group: the runner user joins it", async (t) => {
  const r = runHook("groupadd -g 4343 hostdocker; sock /run/docker.sock; chgrp 4343 /run/docker.sock; chmod 660 /run/docker.sock");
  t.equal(r.out, `docker socket /var/run/docker.sock belongs to gid 4343: added ${TEST_USER} to group hostdocker (gid 4343), so its jobs can use Docker`);
  t.ok(r.groups.includes("4343"));
});

t.test("already in the socket's group: one line, nothing changed", async (t) => {
  const r = runHook(`groupadd -g 4444 hostdocker; usermod -aG hostdocker ${TEST_USER}; sock /run/docker.sock; chgrp 4444 /run/docker.sock; chmod 660 /run/docker.sock`);
  t.equal(r.out, `docker socket /var/run/docker.sock: ${TEST_USER} is already in its group (gid 4444)`);
});

t.test("a socket only root may use: one line saying so, no group added", async (t) => {
  const r = runHook("sock /run/docker.sock; chgrp 4545 /run/docker.sock; chmod 600 /run/docker.sock");
  t.equal(r.out, `docker socket /var/run/docker.sock: mode 600 gives its group (gid 4545) no read and write, so ${TEST_USER} cannot use it; only root can`);
  t.notOk(r.groups.includes("4545"));
  t.equal(r.groupLine(4545), "");
});

t.test("DOCKER_HOST=unix://PATH names the socket; no socket: silence", async (t) => {
  const r = runHook("sock /run/other.sock; chgrp 4646 /run/other.sock; chmod 660 /run/other.sock", { DOCKER_HOST: "unix:///run/other.sock" });
  t.match(r.out, /^docker socket \/run\/other\.sock belongs to gid 4646: added /);
  t.equal(runHook("true").out, "", "nothing mounted, nothing said");
});
