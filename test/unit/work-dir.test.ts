// Where jobs work, as the runner decides it: WORK_DIR, or with a pre-issued
// JIT config (actions-runner-controller) the config's work folder, resolved
// against the runner's physical root. The supervisor prepares and
// warm-starts that directory, so it must be the one the runner uses.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { ConfigError } from "../../src/config/config-error.ts";
import { loadConfig, type Env } from "../../src/config/load-config.ts";
import { jitRunnerSettings } from "../../src/runner/runner-settings.ts";

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const load = (env: Env) => loadConfig({ CI_RUNNER_SECRETS_DIR: "/nonexistent", ...env }, user);

/** A JIT config as GitHub encodes it: base64 of {".runner": base64(BOM + settings JSON), ...}. */
function jit(settings: Record<string, unknown>): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return b64(JSON.stringify({ ".runner": b64(`\uFEFF${JSON.stringify(settings)}`), ".credentials": b64("{}") }));
}

const base = mkdtempSync(join(tmpdir(), "work-dir-"));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, "home-runner");
mkdirSync(join(root, "bin"), { recursive: true });
const link = join(base, "actions-runner");
symlinkSync(root, link);

t.test("without a pre-issued JIT config: WORK_DIR", async (t) => {
  const c = load({ GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "a", WORK_DIR: "/work", RUNNER_DIR: link });
  t.equal(c.workDir, "/work");
});

t.test("a pre-issued JIT config's work folder, against the runner's physical root", async (t) => {
  const rel = load({ ACTIONS_RUNNER_INPUT_JITCONFIG: jit({ agentName: "a", workFolder: "_work" }), RUNNER_DIR: link });
  t.equal(rel.workDir, join(root, "_work"), "through ~guest/actions-runner -> /home/runner, the target's _work");
  t.equal(rel.WORK_DIR, "/mnt", "WORK_DIR keeps its default, unused");
  const abs = load({ ACTIONS_RUNNER_INPUT_JITCONFIG: jit({ workFolder: "/srv/work" }), RUNNER_DIR: link });
  t.equal(abs.workDir, "/srv/work", "ARC's workingDir: an absolute folder as is");
  const same = load({ ACTIONS_RUNNER_INPUT_JITCONFIG: jit({ workFolder: "/srv/work" }), RUNNER_DIR: link, WORK_DIR: "/srv/work" });
  t.equal(same.workDir, "/srv/work", "WORK_DIR agreeing with it is fine");
  const dflt = load({ ACTIONS_RUNNER_INPUT_JITCONFIG: "eyJ4IjoxfQ==", RUNNER_DIR: link });
  t.equal(dflt.workDir, join(root, "_work"), "a config without .runner: the runner's default _work");
});

t.test("WORK_DIR set elsewhere than the JIT config's work folder: exit 78 naming both, never the config", async (t) => {
  const config = jit({ workFolder: "_work", secretish: "do-not-print" });
  let err: unknown;
  try {
    load({ ACTIONS_RUNNER_INPUT_JITCONFIG: config, RUNNER_DIR: link, RUNNER_WORKDIR: "/mnt" });
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ConfigError);
  t.equal((err as ConfigError).variable, "WORK_DIR");
  t.match((err as Error).message, `WORK_DIR: /mnt, but the runner of ACTIONS_RUNNER_INPUT_JITCONFIG works in ${join(root, "_work")}`);
  t.match((err as Error).message, /workingDir/);
  t.notMatch((err as Error).message, config.slice(0, 20));
});

t.test("jitRunnerSettings reads .runner's name, id and work folder; anything unreadable is absent or the default", async (t) => {
  t.same(jitRunnerSettings(jit({ agentName: "arc-1", agentId: 42, workFolder: "/x" })), { agentName: "arc-1", agentId: 42, workFolder: "/x" });
  t.same(jitRunnerSettings(jit({ workFolder: "" })), { agentName: undefined, agentId: undefined, workFolder: "_work" });
  t.same(jitRunnerSettings("not base64 json"), { agentName: undefined, agentId: undefined, workFolder: "_work" });
});
