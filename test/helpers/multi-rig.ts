import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LABEL_ENTRY } from "../../src/controller/container-engine.ts";
import { startController, type RunningController } from "../../src/controller/run-controller.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { FakeEngine } from "../fakes/docker/fake-engine.ts";
import { FAKE_PAT, startFakeGitHub, type FakeGitHub, type FakeWebhook } from "../fakes/github/fake-github.ts";
import { ControllerRuns } from "./controller-runs.ts";
import { LineLog } from "./line-log.ts";

/** One entry of the rig's REPOS_CONFIG_FILE: `repo` is owner/repo, or an organization's login. */
export interface RigEntry {
  readonly id: string;
  readonly repo: string;
  readonly labels?: string;
  readonly max?: number;
  /** Any other field of the entry, as written. */
  readonly extra?: Record<string, unknown>;
  /** No webhook_secret_file (WEBHOOK_SECRET, or with WEBHOOK_HOST a generated one). */
  readonly noSecretFile?: boolean;
}

export interface MultiRig {
  readonly gh: FakeGitHub;
  readonly engine: FakeEngine;
  readonly dataDir: string;
  /** REPOS_CONFIG_FILE's path; its token file and each entry's secret file lie beside it. */
  readonly file: string;
  readonly lines: string[];
  readonly running: RunningController;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  /** The secret of entry `id` (its webhook_secret_file). */
  secret(id: string): string;
  /** Adds the GitHub webhook of entry `id` (its repository's or organization's jobs only), as its admin would. */
  addHook(entry: RigEntry): Promise<FakeWebhook>;
  /** Rewrites REPOS_CONFIG_FILE with these entries (or this raw text). */
  write(entries: readonly RigEntry[] | string): void;
  /** What SIGHUP does; resolves once applied. */
  reload(): Promise<void>;
  /** The entry (LABEL_ENTRY) of the container that ran a runner, by the runner's name. */
  entryOfRunner(name: string | null | undefined): string | undefined;
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  crashAndRestart(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

const scopeOf = (repo: string): string => (repo.includes("/") ? `repos/${repo}` : `orgs/${repo}`);

/**
 * The controller in this process with a REPOS_CONFIG_FILE of `entries`,
 * against a fake GitHub that hands jobs only to runners of their own
 * repository (as GitHub does) and the fake engine. Each entry gets a PAT
 * file and a secret file of its own; hooks are added per entry by the test.
 */
export async function startMultiRig(t: Teardown, entries: readonly RigEntry[], env: Record<string, string> = {}): Promise<MultiRig> {
  const gh = await startFakeGitHub({ jobsByScope: true });
  const engine = new FakeEngine(gh);
  const dataDir = mkdtempSync(join(tmpdir(), "ci-runner-many-"));
  const dir = join(dataDir, "config");
  mkdirSync(dir);
  const file = join(dir, "repos.json");
  writeFileSync(join(dir, "token"), `${FAKE_PAT}\n`, { mode: 0o600 });
  const secret = (id: string): string => `secret-of-${id}-0123456789`;
  const write = (list: readonly RigEntry[] | string): void => {
    if (typeof list === "string") {
      writeFileSync(`${file}.tmp`, list);
      return renameSync(`${file}.tmp`, file);
    }
    for (const e of list) if (!e.noSecretFile) writeFileSync(join(dir, `${e.id}.secret`), secret(e.id), { mode: 0o600 });
    const repositories = list.map((e) => ({
      id: e.id,
      github_url: `${gh.url}/${e.repo}`,
      github_token_file: "token",
      runner_labels: e.labels ?? "ctl",
      ...(e.max !== undefined ? { max_runners: e.max } : {}),
      ...(e.noSecretFile ? {} : { webhook_secret_file: `${e.id}.secret` }),
      ...e.extra,
    }));
    // The tmp file and the rename: the file watcher never sees half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ repositories, defaults: { runner_image: "ci-runner:ephemeral-fake" } }, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  write(entries);
  const log = new LineLog();
  const restoreSink = setLogSink((line) => log.push(line));
  const baseEnv: Record<string, string> = {
    REPOS_CONFIG_FILE: file,
    WEBHOOK_PORT: "0",
    DATA_DIR: dataDir,
    CI_RUNNER_SECRETS_DIR: join(dataDir, "no-secrets"),
    CI_RUNNER_STATE_FILE: join(dataDir, "state.json"),
    ...env,
  };
  let port = baseEnv.WEBHOOK_PORT as string;
  const runs = new ControllerRuns((stopping) => startController({ env: { ...baseEnv, WEBHOOK_PORT: port }, log: createLogger("controller"), stopping, engine }));
  const first = await runs.start();
  port = String(first.port);
  const base = `http://127.0.0.1:${first.port}`;
  const rig: MultiRig = {
    gh,
    engine,
    dataDir,
    file,
    lines: log.lines,
    get running() {
      return runs.running;
    },
    base,
    secret,
    addHook: (e) => gh.addWebhook({ url: `${base}/webhook/${e.id}`, secret: secret(e.id), scope: scopeOf(e.repo) }),
    write,
    reload: () => runs.running.reload(),
    entryOfRunner: (name) => [...engine.containers.values()].find((c) => c.spec.name === name)?.spec.labels[LABEL_ENTRY],
    waitForLine: (re, timeoutMs) => log.waitFor(re, timeoutMs),
    stop: () => runs.stop(),
    crashAndRestart: () => runs.crashAndRestart(),
  };
  runs.teardown(t, async () => {
    restoreSink();
    await gh.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return rig;
}
