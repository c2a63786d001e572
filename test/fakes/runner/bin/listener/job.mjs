// Running one job: its `run` script with `bash -c` in the workspace (own
// process group), or a sleep of `durationMs`; a `hold` job first waits for
// the fake's release (or a cancellation). Output is posted to the fake
// GitHub as the job log; the result is Succeeded on exit 0, Failed
// otherwise, Canceled when cancelled (shutdown signal or server request).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { openDiag } from "./diag.mjs";
import { line, utc } from "./term.mjs";

const SHUTDOWN_ANNOTATION =
  "##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.";
const CANCEL_ANNOTATION = "##[error]The operation was canceled.";
const KILL_GRACE_MS = 5000;

/** Variables of the runner's .env file and PATH from .path, which jobs get as the real runner gives them. */
function runnerEnvFiles(root) {
  const env = {};
  const envFile = join(root, ".env");
  if (existsSync(envFile)) {
    for (const raw of readFileSync(envFile, "utf8").split("\n")) {
      const eq = raw.indexOf("=");
      if (eq > 0) env[raw.slice(0, eq).trim()] = raw.slice(eq + 1);
    }
  }
  const pathFile = join(root, ".path");
  if (existsSync(pathFile)) {
    const path = readFileSync(pathFile, "utf8").trim();
    if (path !== "") env.PATH = path;
  }
  return env;
}

/**
 * With ACTIONS_RUNNER_CONTAINER_HOOKS set, the real runner runs a job's
 * container work through that script and first checks it (exists, ends in
 * .js, .sh or .ps1), failing the job otherwise. A fake job stands for a
 * container job here: the script is checked the same way, never run.
 * Returns the job's error lines, or undefined when the check passes.
 */
function containerHookErrors() {
  const hook = process.env.ACTIONS_RUNNER_CONTAINER_HOOKS;
  if (!hook) return undefined;
  const wrapper = "##[error]Executing the custom container implementation failed. Please contact your self hosted runner administrator.";
  if (!existsSync(hook) || !statSync(hook).isFile()) {
    return [`##[error]File not found at '${hook}'. Set ACTIONS_RUNNER_CONTAINER_HOOKS to the path of an existing file.`, wrapper];
  }
  if (![".js", ".sh", ".ps1"].some((ext) => hook.endsWith(ext))) {
    return [`##[error]Invalid file extension at '${hook}'. ACTIONS_RUNNER_CONTAINER_HOOKS must be a path to a file with one of the following extensions: .js, .sh, .ps1`, wrapper];
  }
  return undefined;
}

/** Starts `job`; returns `{id, cancel(reason), release(), done}` where done resolves with the result after it was reported. */
export function startJob(job, { client, root, settings, once }) {
  line(`${utc()}: Running job: ${job.name}`);
  const worker = openDiag(root, "Worker");
  worker.info("Worker", `Job ${job.name} (${job.id}) started`);
  // Path.Combine semantics: an absolute --work is used as is.
  const workRoot = resolve(root, settings.workFolder ?? "_work");
  const repo = basename(new URL(settings.gitHubUrl).pathname) || "workspace";
  const workspace = join(workRoot, repo, repo);
  const temp = join(workRoot, "_temp");
  mkdirSync(workspace, { recursive: true });
  mkdirSync(temp, { recursive: true });

  let pending = "";
  let posting = Promise.resolve();
  const flush = () => {
    if (pending === "") return posting;
    const text = pending;
    pending = "";
    posting = posting.then(() => client.jobLog(job.id, text).catch((err) => worker.error("Worker", `log upload failed: ${err.message}`)));
    return posting;
  };
  const flusher = setInterval(flush, 250);

  let canceled = false;
  let child;
  let sleeper;
  let finishSleep;
  let release;
  const released = job.hold ? new Promise((resolve) => (release = resolve)) : undefined;
  const done = (async () => {
    await client.jobStart(job.id).catch((err) => worker.error("Worker", `start report failed: ${err.message}`));
    if (released) {
      worker.info("Worker", `Job ${job.name} (${job.id}) held until the fake releases it`);
      await released;
    }
    let code;
    const hookErrors = containerHookErrors();
    if (canceled) {
      code = 1;
    } else if (hookErrors) {
      pending += `${hookErrors.join("\n")}\n`;
      code = 1;
    } else if (job.run !== undefined && job.run !== null) {
      const env = {
        ...process.env,
        ...runnerEnvFiles(root),
        ...(job.env ?? {}),
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_JOB: job.name,
        GITHUB_REPOSITORY: new URL(settings.gitHubUrl).pathname.split("/").filter(Boolean).join("/"),
        GITHUB_SERVER_URL: new URL(settings.gitHubUrl).origin,
        GITHUB_RUN_ID: String(job.id),
        GITHUB_WORKSPACE: workspace,
        RUNNER_NAME: settings.agentName,
        RUNNER_OS: "Linux",
        RUNNER_ARCH: "X64",
        RUNNER_TEMP: temp,
        // The real runner tags every step process with this, to find and kill leftovers after the job.
        RUNNER_TRACKING_ID: `github_${randomUUID()}`,
        RUNNER_WORKSPACE: join(workRoot, repo),
      };
      child = spawn("bash", ["-c", job.run], { cwd: workspace, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => (pending += d.toString("utf8")));
      child.stderr.on("data", (d) => (pending += d.toString("utf8")));
      code = await new Promise((resolve) => {
        child.on("error", () => resolve(127));
        child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
    } else {
      await new Promise((resolve) => {
        finishSleep = resolve;
        sleeper = setTimeout(resolve, Number(job.durationMs ?? 0));
      });
      code = 0;
    }
    const result = canceled ? "Canceled" : code === 0 ? "Succeeded" : "Failed";
    clearInterval(flusher);
    await flush();
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await client.jobComplete(job.id, result, once);
        break;
      } catch (err) {
        worker.error("Worker", `completion report failed: ${err.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    worker.info("Worker", `Job ${job.name} completed with result: ${result}`);
    line(`${utc()}: Job ${job.name} completed with result: ${result}`);
    return result;
  })();

  const killGroup = (signal) => {
    try {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  process.once("exit", () => killGroup("SIGKILL"));

  return {
    id: job.id,
    done,
    /** The fake GitHub released a held job: it runs now. */
    release() {
      release?.();
    },
    /** "shutdown" (the runner is stopping) or "server" (cancelled on GitHub). */
    cancel(reason) {
      if (canceled) return;
      canceled = true;
      release?.();
      pending += `${reason === "shutdown" ? SHUTDOWN_ANNOTATION : CANCEL_ANNOTATION}\n`;
      if (sleeper) {
        clearTimeout(sleeper);
        finishSleep?.();
      }
      killGroup("SIGINT");
      setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS).unref();
    },
  };
}
