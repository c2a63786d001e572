import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import { FAKE_PAT, startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { installFakeRunner } from "../fakes/runner/install-fake-runner.ts";
import { startSupervisor, type StartOptions, type SupervisorProcess } from "./supervisor-process.ts";
import { ensureTestUser } from "./test-user.ts";

export const REPO = "octo/hello";
export const LABELS = "ci,gpu";

export interface Rig {
  readonly fake: FakeGitHub;
  readonly user: UserInfo;
  /** Scratch dir of this test: runner dir, work dir, hooks dirs, state file, secrets. */
  readonly base: string;
  readonly runnerDir: string;
  readonly rootHooks: string;
  readonly guestHooks: string;
  readonly stateFile: string;
  readonly secretsDir: string;
  /** A complete, valid environment for the supervisor. */
  readonly env: Record<string, string>;
  start(extra?: Record<string, string>, opts?: StartOptions): SupervisorProcess;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

let counter = 0;

/** A fake GitHub, a fake runner installed for the test user, and the env that ties them together. */
export async function setupRig(t: Teardown): Promise<Rig> {
  const fake = await startFakeGitHub();
  const user = ensureTestUser();
  const base = mkdtempSync(join(tmpdir(), "ci-runner-it-"));
  chmodSync(base, 0o755);
  const runnerDir = join(base, "actions-runner");
  const rootHooks = join(base, "root-hooks");
  const guestHooks = join(base, "guest-hooks");
  const secretsDir = join(base, "secrets");
  for (const d of [rootHooks, guestHooks, secretsDir]) mkdirSync(d);
  chownSync(guestHooks, user.uid, user.gid);
  await installFakeRunner(runnerDir, { uid: user.uid, gid: user.gid });
  const stateFile = join(base, "run", "state.json");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    GH_TOKEN: FAKE_PAT,
    GH_REPOSITORY: REPO,
    GH_LABELS: LABELS,
    GH_URL: fake.url,
    RUNNER_USER: user.name,
    RUNNER_DIR: runnerDir,
    RUNNER_NAME: `it-${process.pid}-${++counter}`,
    WORK_DIR: join(base, "work"),
    CACHE_DIR: join(base, "cache"),
    ROOT_HOOKS_DIR: rootHooks,
    GUEST_HOOKS_DIR: guestHooks,
    CI_RUNNER_STATE_FILE: stateFile,
    CI_RUNNER_SECRETS_DIR: secretsDir,
  };
  const started: SupervisorProcess[] = [];
  t.teardown(async () => {
    for (const s of started) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    }
    await fake.close();
    rmSync(base, { recursive: true, force: true });
  });
  return {
    fake,
    user,
    base,
    runnerDir,
    rootHooks,
    guestHooks,
    stateFile,
    secretsDir,
    env,
    start(extra = {}, opts = {}) {
      const s = startSupervisor({ ...env, ...extra }, opts);
      started.push(s);
      return s;
    },
  };
}
