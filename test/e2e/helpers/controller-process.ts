import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LABEL_CONTROLLER } from "../../../src/controller/container-engine.ts";
import type { FakeGitHub, FakeWebhook } from "../../fakes/github/fake-github.ts";
import { controllerEnv, WEBHOOK_SECRET } from "../../helpers/controller-env.ts";
import { startSupervisor, type SupervisorProcess } from "../../helpers/supervisor-process.ts";
import { docker, DOCKER, EPHEMERAL_IMAGE } from "./docker.ts";
import { LABEL, REPO } from "./runner-env.ts";

export { WEBHOOK_SECRET };

let counter = 0;

/** Runner containers of one controller, as Docker's event stream shows them come and go. */
export interface ContainerCensus {
  /** The most that existed at once. */
  readonly peak: number;
  readonly created: number;
  readonly alive: number;
  stop(): void;
}

/**
 * Counts the controller's containers from `docker events` (create, destroy):
 * the cap is checked on what Docker saw, not on what the controller says.
 * `--since` replays what came before the stream was open: nothing is missed.
 */
export function containerCensus(controllerId: string): ContainerCensus {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const args = ["events", "--since", since, "--filter", "type=container", "--filter", `label=${LABEL_CONTROLLER}=${controllerId}`, "--format", "{{.Action}}"];
  const child = spawn(DOCKER, args, { stdio: ["ignore", "pipe", "ignore"] });
  let alive = 0;
  let peak = 0;
  let created = 0;
  let buf = "";
  child.stdout.on("data", (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const action = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (action === "create") {
        created++;
        peak = Math.max(peak, ++alive);
      } else if (action === "destroy") alive--;
    }
  });
  return {
    get peak() {
      return peak;
    },
    get created() {
      return created;
    },
    get alive() {
      return alive;
    },
    stop: () => void child.kill(),
  };
}

/** A `ci-runner controller` process of the bundle on this host, driving the real Docker engine. */
export interface ControllerProcess {
  readonly proc: SupervisorProcess;
  readonly id: string;
  readonly port: number;
  readonly url: string;
}

export interface ControllerSetup {
  readonly id: string;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  start(extra?: Record<string, string>, port?: number): Promise<ControllerProcess>;
  /** A webhook on the fake for `controller`, signed with WEBHOOK_SECRET. */
  hook(controller: ControllerProcess): Promise<FakeWebhook>;
}

/**
 * One controller identity (CONTROLLER_ID cie2e...), its DATA_DIR, and the
 * environment against the fake at `ghUrl`. Its containers are removed at
 * the end of the test whatever happened.
 */
export function controllerSetup(t: { teardown(fn: () => unknown): void }, fake: FakeGitHub, ghUrl: string, extra: Record<string, string> = {}): ControllerSetup {
  const id = `cie2e${process.pid}x${++counter}`;
  const dataDir = mkdtempSync(join(tmpdir(), "ci-runner-e2e-ctl-"));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...controllerEnv({ ghUrl, repository: REPO, label: LABEL, dataDir, image: EPHEMERAL_IMAGE }, { CONTROLLER_ID: id, ...extra }),
  };
  const started: SupervisorProcess[] = [];
  t.teardown(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    const { stdout } = await docker(["ps", "-aq", "--filter", `label=${LABEL_CONTROLLER}=${id}`], { check: false });
    const ids = stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], { check: false });
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    id,
    dataDir,
    env,
    async start(more = {}, port = 0) {
      const proc = startSupervisor({ ...env, ...more, WEBHOOK_PORT: String(port) }, { pid1: false, args: ["controller"] });
      started.push(proc);
      const line = await proc.waitForLine(/webhook on :\d+\/webhook/, 60_000);
      await proc.waitForLine(/controller: ready$/, 60_000);
      const listen = Number(/webhook on :(\d+)\//.exec(line)?.[1]);
      return { proc, id, port: listen, url: `http://127.0.0.1:${listen}/webhook` };
    },
    hook: (c) => fake.addWebhook({ url: c.url, secret: WEBHOOK_SECRET }),
  };
}
