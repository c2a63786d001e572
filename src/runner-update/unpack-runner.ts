import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import type { UserInfo } from "../config/lookup-user.ts";
import { runProcess } from "../process/start-process.ts";
import { RENAMED_RUN_SH } from "../runner/runner-process.ts";

/** What a runner tarball must hold for the swap to go ahead. */
const REQUIRED = ["config.sh", "run.sh", "bin/Runner.Listener"];

/**
 * Unpacks a runner tarball over `runnerDir`: extracted as the runner user
 * into a staging directory inside it, checked, then each top-level entry
 * (bin/, externals/, config.sh, ...) replaces the installed one by rename.
 * The registration files (.runner, .credentials), _work and _diag are not in
 * the tarball and stay; the tarball's run.sh replaces run-runner.sh where the
 * image renamed it. Throws with a one-line reason; a failed extraction
 * leaves the installed runner as it was.
 */
export async function unpackRunner(tarball: string, runnerDir: string, user: UserInfo, env: Record<string, string>, signal: AbortSignal): Promise<void> {
  const staging = `${runnerDir}/.ci-runner-update`;
  try {
    const script = 'rm -rf "$1" && mkdir "$1" && tar -xzf "$2" -C "$1"';
    const run = await runProcess("/bin/sh", ["-c", script, "sh", staging, tarball], { user, env, cancelSignal: signal });
    if (run.code !== 0) throw new Error(`unpacking ${tarball} failed (exit code ${run.code}): ${run.stderr.trim().split("\n").at(-1) ?? ""}`.trim());
    const missing = REQUIRED.filter((f) => !existsSync(`${staging}/${f}`));
    if (missing.length) throw new Error(`${tarball} is not a runner tarball: no ${missing.join(", ")}`);
    // The image's layout stays: its run.sh is the supervisor, the runner's own is run-runner.sh.
    const renamed = existsSync(`${runnerDir}/${RENAMED_RUN_SH}`);
    for (const entry of readdirSync(staging)) {
      const target = `${runnerDir}/${renamed && entry === "run.sh" ? RENAMED_RUN_SH : entry}`;
      rmSync(target, { recursive: true, force: true });
      renameSync(`${staging}/${entry}`, target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
