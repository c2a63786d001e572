import { statSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import { runProcess } from "../process/start-process.ts";
import { parseVersion } from "./runner-release.ts";

/** The installed runner: version (`Runner.Listener --version`) and age (its files' mtime, which tar keeps from the release). */
export interface InstalledRunner {
  readonly version: string;
  readonly ageDays: number;
}

/** Throws with a one-line reason when the runner directory holds no runner that answers. */
export async function installedRunner(
  runnerDir: string,
  user: UserInfo,
  env: Record<string, string>,
  signal: AbortSignal,
  now: number = Date.now(),
): Promise<InstalledRunner> {
  const listener = `${runnerDir}/bin/Runner.Listener`;
  const mtimeMs = statSync(listener).mtimeMs;
  const run = await runProcess(listener, ["--version"], { user, env, cancelSignal: signal });
  const version = run.stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (run.code !== 0 || !parseVersion(version)) {
    throw new Error(`${listener} --version: ${run.code !== 0 ? `exit code ${run.code}` : `unexpected output "${version}"`}`);
  }
  return { version, ageDays: Math.max(0, (now - mtimeMs) / 86_400_000) };
}
