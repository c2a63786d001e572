// The image's root hooks are skipped when the supervisor can tell they would
// exit 0 at once (builtinHookHasNothingToDo): each such case is checked here
// against the script itself, run by bash with the same environment.
import t from "tap";
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinHookHasNothingToDo } from "../../src/hooks/builtin-noop.ts";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const SHIPPED = join(REPO_ROOT, "entrypoint.d/root");
const SOCKET_HOOK = "entrypoint.04-docker-socket.sh";
const DIND_HOOK = "entrypoint.05-dind.sh";

/** The image's layout: the hooks in a root hooks dir, their copy in the bundle's builtin-hooks dir. */
function image(): { hooks: string; copies: string } {
  const root = mkdtempSync(join(tmpdir(), "builtin-hooks-"));
  const hooks = join(root, "root");
  const copies = join(root, "builtin-hooks");
  for (const dir of [hooks, copies]) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(SHIPPED)) copyFileSync(join(SHIPPED, name), join(dir, name));
  }
  return { hooks, copies };
}

/** The hook run as the supervisor runs it: bash, this environment only. */
function runScript(path: string, env: Record<string, string>): { code: number | null; output: string } {
  const r = spawnSync("/bin/bash", [path], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8" });
  return { code: r.status, output: r.stdout + r.stderr };
}

t.test("every shipped root hook the supervisor may skip has its test here", async (t) => {
  t.same(readdirSync(SHIPPED).sort(), [SOCKET_HOOK, DIND_HOOK]);
});

t.test("docker socket hook: no socket at DOCKER_HOST's path or the default one, skipped; bash agrees", async (t) => {
  const { hooks, copies } = image();
  const hook = join(hooks, SOCKET_HOOK);
  const dir = mkdtempSync(join(tmpdir(), "no-socket-"));
  for (const env of [{ DOCKER_HOST: `unix://${dir}/docker.sock` }, { DOCKER_HOST: "unix://" }, { DOCKER_HOST: `unix://${dir}` }]) {
    t.ok(builtinHookHasNothingToDo(hook, env, copies), `skipped with ${env.DOCKER_HOST}`);
    t.same(runScript(hook, env), { code: 0, output: "" }, `the script does nothing with ${env.DOCKER_HOST}`);
  }
});

t.test("docker socket hook: a socket there is never skipped", async (t) => {
  const { hooks, copies } = image();
  const sock = join(mkdtempSync(join(tmpdir(), "socket-")), "docker.sock");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.teardown(() => server.close());
  t.notOk(builtinHookHasNothingToDo(join(hooks, SOCKET_HOOK), { DOCKER_HOST: `unix://${sock}` }, copies));
});

t.test("dind hook: DIND unset, empty or off, skipped; bash agrees; any spelling of on is not", async (t) => {
  const { hooks, copies } = image();
  const hook = join(hooks, DIND_HOOK);
  for (const env of [{} as Record<string, string>, { DIND: "" }, { DIND: "0" }, { DIND: "false" }, { DIND: "11" }, { DIND: "true1" }, { DIND: " 1" }]) {
    t.ok(builtinHookHasNothingToDo(hook, env, copies), `skipped with ${JSON.stringify(env)}`);
    t.same(runScript(hook, env), { code: 0, output: "" }, `the script does nothing with ${JSON.stringify(env)}`);
  }
  // Not run: the script would start dockerd here.
  for (const DIND of ["1", "true", "TRUE", "TrUe", "yes", "YES", "on", "On"]) {
    t.notOk(builtinHookHasNothingToDo(hook, { DIND }, copies), `DIND=${DIND} runs the hook`);
  }
});

t.test("a hook that differs from the image's copy, or without one, always runs", async (t) => {
  const { hooks, copies } = image();
  appendFileSync(join(hooks, DIND_HOOK), "echo mine\n");
  t.notOk(builtinHookHasNothingToDo(join(hooks, DIND_HOOK), {}, copies), "edited by a derived image");
  t.ok(builtinHookHasNothingToDo(join(hooks, SOCKET_HOOK), { DOCKER_HOST: "unix:///nonexistent" }, copies), "the other is unchanged");
  t.notOk(builtinHookHasNothingToDo(join(hooks, SOCKET_HOOK), { DOCKER_HOST: "unix:///nonexistent" }, join(copies, "missing")), "no copy (a checkout's bundle)");
  const own = join(hooks, "entrypoint.50-mine.sh");
  copyFileSync(join(hooks, SOCKET_HOOK), own);
  t.notOk(builtinHookHasNothingToDo(own, { DOCKER_HOST: "unix:///nonexistent" }, copies), "a derived image's hook of another name");
});
