import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startController, type RunningController } from "../../src/controller/run-controller.ts";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { FakeEngine } from "../fakes/docker/fake-engine.ts";
import { startFakeGitHub, type FakeGitHub, type FakeWebhook, type JobSpec } from "../fakes/github/fake-github.ts";
import { freePort } from "../fixtures/warmstart/storage-host.ts";
import { controllerEnv, WEBHOOK_SECRET } from "./controller-env.ts";
import { ControllerRuns } from "./controller-runs.ts";
import { LineLog } from "./line-log.ts";

export { WEBHOOK_SECRET };
export const REPO = "octo/hello";
export const LABEL = "ctl";

export interface ControllerRig {
  readonly gh: FakeGitHub;
  readonly engine: FakeEngine;
  readonly hook: FakeWebhook;
  readonly dataDir: string;
  /** Every line the controller logged, across restarts. */
  readonly lines: string[];
  /** The one running now. */
  readonly running: RunningController;
  readonly url: string;
  /** Resolves with the first line matching `re` (already logged or later). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** The graceful stop (as on SIGTERM). */
  stop(): Promise<void>;
  /** What SIGKILL leaves: no save, no stop of runners; then a new controller on the same DATA_DIR and port. */
  crashAndRestart(extraEnv?: Record<string, string>): Promise<void>;
  /** Queues `n` jobs for LABEL in one run (a matrix); returns their ids. */
  queueMatrix(n: number, spec?: Partial<Pick<JobSpec, "durationMs" | "labels" | "hold">>): number[];
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface RigOptions {
  /**
   * The controller registers its own hook (WEBHOOK_HOST on a port chosen
   * now, no WEBHOOK_SECRET unless `env` has one): `hook` is then the one it
   * made on the fake, found once it logged so. Default: the test adds one.
   */
  readonly selfHook?: boolean;
  /** Runs against the fake before the first boot (hooks already there, faults). */
  readonly before?: (gh: FakeGitHub) => Promise<void> | void;
  /** Called with each line as it is logged, before the controller goes on: to act at a precise moment of its start. */
  readonly onLine?: (line: string) => void;
}

/**
 * The controller in this process against the fake GitHub (a repository
 * webhook pointing at it) and the fake engine, whose containers are fake
 * runners that take jobs from the fake GitHub with their JIT config.
 */
export async function startControllerRig(t: Teardown, env: Record<string, string> = {}, opts: RigOptions = {}): Promise<ControllerRig> {
  const gh = await startFakeGitHub();
  await opts.before?.(gh);
  const engine = new FakeEngine(gh);
  const dataDir = mkdtempSync(join(tmpdir(), "ci-runner-ctl-"));
  const log = new LineLog();
  const restoreSink = setLogSink((line) => {
    log.push(line);
    opts.onLine?.(line);
  });
  const selfPort = opts.selfHook ? String(await freePort()) : undefined;
  const self: Record<string, string> = selfPort ? { WEBHOOK_PORT: selfPort, WEBHOOK_HOST: `http://127.0.0.1:${selfPort}`, WEBHOOK_SECRET: "" } : {};
  const baseEnv = controllerEnv({ ghUrl: gh.url, repository: REPO, label: LABEL, dataDir, image: "ci-runner:ephemeral-fake" }, { ...self, ...env });
  let port: string | undefined;
  const runs = new ControllerRuns((stopping, extra) =>
    startController({ env: { ...baseEnv, ...extra, WEBHOOK_PORT: port ?? baseEnv.WEBHOOK_PORT ?? "0" }, log: createLogger("controller"), stopping, engine }),
  );
  const first = await runs.start();
  port = String(first.port);
  const url = `http://127.0.0.1:${first.port}/webhook`;
  const hook = opts.selfHook
    ? (await log.waitFor(/webhook \d+ of \w+ \S+ (created|updated)/), gh.restHooks().find((h) => h.spec.url === url)!)
    : await gh.addWebhook({ url, secret: WEBHOOK_SECRET });
  const rig: ControllerRig = {
    gh,
    engine,
    hook,
    dataDir,
    lines: log.lines,
    get running() {
      return runs.running;
    },
    url,
    waitForLine: (re, timeoutMs) => log.waitFor(re, timeoutMs),
    stop: () => runs.stop(),
    crashAndRestart: (extra = {}) => runs.crashAndRestart(extra),
    queueMatrix(n, spec = {}) {
      const runId = gh.newRunId();
      return Array.from({ length: n }, (_, i) =>
        gh.queueJob({ ...spec, labels: spec.labels ?? [LABEL], runId, name: `matrix-${i + 1}` }),
      );
    },
  };
  runs.teardown(t, async () => {
    restoreSink();
    await gh.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return rig;
}
