import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import { FAKE_PAT, type FakeGitHub } from "../../test/fakes/github/fake-github.ts";
import { installFakeRunner } from "../../test/fakes/runner/install-fake-runner.ts";

/** A round's scratch dir (the caller removes `base`) and the entrypoint's environment. */
export interface RoundEnv {
  readonly base: string;
  readonly runnerDir: string;
  readonly env: Record<string, string>;
}

/**
 * A fresh runner dir (a copy of the fake runner, owned by `user`), empty hook dirs and the env that
 * test/helpers/rig.ts gives the supervisor, against `fake`, for a runner named `name`.
 */
export async function roundEnv(fake: FakeGitHub, user: UserInfo, name: string): Promise<RoundEnv> {
  const base = mkdtempSync(join(tmpdir(), "ci-runner-bench-boot-"));
  const runnerDir = join(base, "actions-runner");
  const hooks = { root: join(base, "root-hooks"), guest: join(base, "guest-hooks") };
  try {
    chmodSync(base, 0o755);
    for (const d of [hooks.root, hooks.guest, join(base, "secrets")]) mkdirSync(d);
    chownSync(hooks.guest, user.uid, user.gid);
    await installFakeRunner(runnerDir, { uid: user.uid, gid: user.gid });
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    GH_TOKEN: FAKE_PAT,
    GH_REPOSITORY: "octo/hello",
    GH_LABELS: "ci,bench",
    GH_URL: fake.url,
    RUNNER_USER: user.name,
    RUNNER_DIR: runnerDir,
    RUNNER_NAME: name,
    WORK_DIR: join(base, "work"),
    CACHE_DIR: join(base, "cache"),
    ROOT_HOOKS_DIR: hooks.root,
    GUEST_HOOKS_DIR: hooks.guest,
    CI_RUNNER_STATE_FILE: join(base, "run", "state.json"),
    CI_RUNNER_SECRETS_DIR: join(base, "secrets"),
  };
  return { base, runnerDir, env };
}
