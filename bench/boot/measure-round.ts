import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { UserInfo } from "../../src/config/lookup-user.ts";
import type { FakeGitHub } from "../../test/fakes/github/fake-github.ts";
import { startPid1 } from "./pid1-run.ts";
import { sumMiB, treeMemory } from "./process-tree.ts";
import { roundEnv } from "./round-env.ts";

/** What one start-to-stop of an entrypoint measured. */
export interface Sample {
  /** Spawn to the first line of output (the interpreter's own start), seconds. */
  readonly firstLineSec: number;
  /** Spawn to the "Listening for Jobs" line, seconds. */
  readonly bootSec: number;
  readonly pid1RssMiB: number;
  /** All processes but the runner's (run.sh and below). */
  readonly overheadRssMiB: number;
  readonly overheadProcs: number;
  readonly runnerRssMiB: number;
  /** SIGTERM to PID 1 until it has exited and the fake has no registration left, seconds. */
  readonly stopSec: number;
  readonly exitCode: number;
}

export interface Side {
  readonly label: string;
  readonly argv: readonly string[];
}

export interface RoundOptions {
  readonly fake: FakeGitHub;
  readonly user: UserInfo;
  readonly idleMs: number;
  readonly timeoutMs: number;
}

let counter = 0;

/**
 * One round for one entrypoint: a fresh runner dir and env as test/helpers/rig.ts
 * builds them (same fake GitHub), start as PID 1, time to "Listening for
 * Jobs", memory after `idleMs` of idling, then SIGTERM and time to a clean,
 * deregistered exit. Throws with the output when a step does not happen.
 */
export async function measureRound(side: Side, opts: RoundOptions): Promise<Sample> {
  const { fake, user } = opts;
  const name = `bench-${side.label.replace(/\W+/g, "")}-${process.pid}-${++counter}`;
  const { base, env } = await roundEnv(fake, user, name);
  try {
    const run = startPid1(side.argv, env);
    try {
      const [firstAt, listeningAt] = await Promise.all([run.lineAt(/\S/, opts.timeoutMs), run.lineAt(/Listening for Jobs/, opts.timeoutMs)]);
      if (!fake.runner(name)) throw new Error(`${side.label}: listening but ${name} is not registered`);
      await sleep(opts.idleMs);
      const mem = treeMemory(run.pid1());
      if (mem.runner.length === 0) throw new Error(`${side.label}: no run.sh under PID 1:\n${mem.overhead.map((p) => p.cmd).join("\n")}`);

      const termAt = performance.now();
      process.kill(run.pid1(), "SIGTERM");
      const [exit, goneAt] = await Promise.all([
        run.exited,
        fake.waitFor(() => !fake.runner(name), opts.timeoutMs).then(() => performance.now()),
      ]);
      return {
        firstLineSec: (firstAt - run.startedAt) / 1000,
        bootSec: (listeningAt - run.startedAt) / 1000,
        pid1RssMiB: mem.pid1.rssKiB / 1024,
        overheadRssMiB: sumMiB(mem.overhead),
        overheadProcs: mem.overhead.length,
        runnerRssMiB: sumMiB(mem.runner),
        stopSec: (Math.max(exit.at, goneAt) - termAt) / 1000,
        exitCode: exit.code,
      };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(`${side.label}: ${msg}\n--- output ---\n${run.lines.slice(-40).join("\n")}`);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
      await run.exited;
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
