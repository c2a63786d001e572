// `ci-runner controller` as the bundle runs it: exit codes and lines for
// what is wrong before it starts, and the stop on SIGTERM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import t from "tap";
import { startMinimalDockerApi } from "../fakes/docker/minimal-docker-api.ts";
import { FAKE_PAT, startFakeGitHub } from "../fakes/github/fake-github.ts";
import { startSupervisor } from "../helpers/supervisor-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ci-runner-ctlp-"));
const gh = await startFakeGitHub();
const docker = await startMinimalDockerApi(join(dir, "docker.sock"));
t.teardown(async () => {
  await docker.close();
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A REPOS_CONFIG_FILE in the test's directory. */
function reposFile(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
  return file;
}

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GH_URL: gh.url,
  GH_TOKEN: FAKE_PAT,
  GH_REPOSITORY: "octo/hello",
  GH_LABELS: "ctl",
  WEBHOOK_SECRET: "process-test-secret",
  WEBHOOK_PORT: "0",
  DATA_DIR: join(dir, "data"),
  DOCKER_HOST: `unix://${join(dir, "docker.sock")}`,
  CI_RUNNER_SECRETS_DIR: join(dir, "no-secrets"),
  CI_RUNNER_STATE_FILE: join(dir, "state.json"),
  ...extra,
});

t.test("what is wrong before the start: one line, its exit code, nothing registered", async (t) => {
  writeFileSync(join(dir, "not-pem"), "not a certificate\n");
  const cases: [string, Record<string, string>, number, RegExp][] = [
    ["no secret", { WEBHOOK_SECRET: "" }, 78, / error: WEBHOOK_SECRET: required/],
    ["a registration token", { GH_TOKEN: "", GH_RUNNER_TOKEN: "AABBCCDDEEFF" }, 78, / error: GH_RUNNER_TOKEN: ci-runner controller needs GH_TOKEN or a GitHub App/],
    ["a bad cap", { MAX_RUNNERS: "lots" }, 78, / error: MAX_RUNNERS: expected an integer/],
    ["an unusable data dir", { DATA_DIR: "/proc/ci-runner-nope" }, 78, / error: DATA_DIR: cannot write in \/proc\/ci-runner-nope/],
    ["a wrong PAT", { GH_TOKEN: "ghp_wrongwrongwrongwrong" }, 78, / error: GH_TOKEN: GitHub answered 401/],
    ["a certificate without its key", { TLS_CERT_FILE: join(dir, "cert.pem") }, 78, / error: TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together/],
    ["an unreadable certificate", { TLS_CERT_FILE: join(dir, "none.pem"), TLS_KEY_FILE: join(dir, "none.key") }, 78, / error: TLS_CERT_FILE: cannot read .*none\.pem: ENOENT/],
    ["a certificate that is not PEM", { TLS_CERT_FILE: join(dir, "not-pem"), TLS_KEY_FILE: join(dir, "not-pem") }, 78, / error: TLS_CERT_FILE: .*not-pem holds no PEM certificate/],
    ["WEBHOOK_HOST for an enterprise", { GH_REPOSITORY: "", GH_ENTERPRISE: "big", WEBHOOK_HOST: "https://ci.example.com" }, 78, / error: WEBHOOK_HOST: GitHub's REST API has no webhooks for an enterprise/],
    ["no Docker engine", { DOCKER_HOST: `unix://${join(dir, "none.sock")}` }, 1, / error: cannot reach the Docker engine at unix:\/\/.*none\.sock \(DOCKER_HOST\)/],
    ["a bad REPOS_CONFIG_FILE", { GH_REPOSITORY: "", REPOS_CONFIG_FILE: reposFile("bad.json", { repositories: [{ id: "web", github_url: `${gh.url}/octo/web`, max_runnerz: 3 }] }) }, 78, / error: REPOS_CONFIG_FILE: \/.*\/bad\.json: entry "web": max_runnerz: unknown field/],
    ["REPOS_CONFIG_FILE not JSON", { GH_REPOSITORY: "", REPOS_CONFIG_FILE: reposFile("broken.json", "{") }, 78, / error: REPOS_CONFIG_FILE: \/.*\/broken\.json: not valid JSON/],
    ["an entry's wrong token", { GH_REPOSITORY: "", REPOS_CONFIG_FILE: reposFile("wrong.json", { repositories: [{ id: "web", github_url: `${gh.url}/octo/web`, github_token: "ghp_wrongwrongwrong" }] }) }, 78, / error: REPOS_CONFIG_FILE \/.*\/wrong\.json: entry "web": github_token: GitHub answered 401/],
  ];
  for (const [what, extra, code, line] of cases) {
    const p = startSupervisor(env(extra), { pid1: false, args: ["controller"] });
    t.equal((await p.exited).code, code, `${what}: exit ${code}`);
    const errors = p.lines.filter((l) => / error: /.test(l));
    t.equal(errors.length, 1, `${what}: one error line`);
    t.match(errors[0], line, what);
  }
  t.same(gh.runners(), [], "nothing registered");
  t.notOk(gh.requests().some((r) => r.method === "POST"), "no runner was ever asked for");
});

t.test("REPOS_CONFIG_FILE with every entry refused by GitHub: a line naming each, then exit 78", async (t) => {
  const wrong = (id: string) => ({ id, github_url: `${gh.url}/octo/${id}`, github_token: "ghp_wrongwrongwrong" });
  const p = startSupervisor(env({ GH_REPOSITORY: "", REPOS_CONFIG_FILE: reposFile("all-wrong.json", { repositories: [wrong("web"), wrong("api")] }) }), { pid1: false, args: ["controller"] });
  t.equal((await p.exited).code, 78);
  const errors = p.lines.filter((l) => / error: /.test(l));
  t.match(errors[0], /controller\/web: error: not started: REPOS_CONFIG_FILE .*all-wrong\.json: entry "web": github_token: GitHub answered 401/);
  t.match(errors[1], /controller\/api: error: not started: REPOS_CONFIG_FILE .*all-wrong\.json: entry "api": github_token: GitHub answered 401/);
  t.match(errors[2], /controller: error: REPOS_CONFIG_FILE: none of its 2 entries could start \(each line above says why\)$/);
  t.equal(errors.length, 3);
});

t.test("SIGTERM: 143 by itself, the state saved", async (t) => {
  const p = startSupervisor(env(), { pid1: false, args: ["controller"] });
  const listening = await p.waitForLine(/webhook on :\d+\/webhook/);
  await p.waitForLine(/controller: ready$/);
  const port = Number(/webhook on :(\d+)\//.exec(listening)?.[1]);
  const body = JSON.stringify({ zen: "hi" });
  const ping = await fetch(`http://127.0.0.1:${port}/webhook`, {
    method: "POST",
    body,
    headers: { "x-github-event": "ping", "x-hub-signature-256": await sign("process-test-secret", body) },
  });
  t.equal(ping.status, 200, "a ping is answered");
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
  // The image's HEALTHCHECK is `ci-runner health`, for the controller as for a runner.
  const probe = startSupervisor(env(), { pid1: false, args: ["health"] });
  t.equal((await probe.exited).code, 0, "ci-runner health: healthy while the controller serves");
  t.match(probe.output(), /healthy: the controller answers webhooks/);
  const sent = Date.now();
  p.signal("SIGTERM");
  const { code } = await p.exited;
  t.equal(code, 143);
  const after = startSupervisor(env(), { pid1: false, args: ["health"] });
  t.equal((await after.exited).code, 1, "ci-runner health: unhealthy once it stopped");
  // How fast is bench's business (no timed assertions); shown for whoever reads the output.
  t.comment(`stopped ${Date.now() - sent} ms after SIGTERM`);
  t.match(p.output(), /SIGTERM: webhook deliveries now get 503; saving the state/);
  const saved = JSON.parse(readFileSync(join(dir, "data", "controller-state.json"), "utf8")) as { version: number; controllerId: string };
  t.match(saved, { version: 1, controllerId: /^[0-9a-f]{8}$/ });
  t.notMatch(p.output(), /process-test-secret|ghp_fake/, "no secret in the log");
});

t.test("REPOS_CONFIG_FILE: SIGHUP re-reads it (a bad one changes nothing), SIGTERM still stops", async (t) => {
  const entry = (id: string) => ({ id, github_url: `${gh.url}/octo/${id}`, github_token: FAKE_PAT });
  const file = reposFile("repos.json", { repositories: [entry("web")] });
  const p = startSupervisor(env({ GH_REPOSITORY: "", GH_TOKEN: "", REPOS_CONFIG_FILE: file }), { pid1: false, args: ["controller"] });
  const listening = await p.waitForLine(/entry web: repository octo\/web: webhook on :\d+\/webhook\/web/);
  await p.waitForLine(/controller: ready$/);
  const port = Number(/webhook on :(\d+)\//.exec(listening)?.[1]);
  reposFile("repos.json", { repositories: [entry("web"), entry("api")] });
  p.signal("SIGHUP");
  await p.waitForLine(/SIGHUP: REPOS_CONFIG_FILE re-read: 2 entries serving; 1 added \(api\)/);
  const ping = (id: string) => fetch(`http://127.0.0.1:${port}/webhook/${id}`, { method: "POST", body: "{}", headers: { "x-github-event": "ping", "x-hub-signature-256": "sha256=0" } });
  t.equal((await ping("api")).status, 401, "the added entry's path answers (an unsigned ping: 401)");
  reposFile("repos.json", { repositories: [entry("web"), { ...entry("api"), github_token: FAKE_PAT, app_id: 3 }] });
  p.signal("SIGHUP");
  const refused = await p.waitForLine(/ error: SIGHUP: REPOS_CONFIG_FILE: /);
  t.match(refused, /repos\.json: entry "api": github_token, app_id: two credentials: .*; the entries in force stay$/);
  t.equal((await ping("api")).status, 401, "still served");
  p.signal("SIGTERM");
  t.equal((await p.exited).code, 143);
  t.notMatch(p.output(), /ghp_fake/, "no token in the log");
});
