// `Runner.Listener run [--once] [--jitconfig B64]`: create a session, listen
// for jobs, run them one at a time; SIGINT/SIGTERM cancel the running job
// and stop (the real runner does not drain). Test knobs: knobs.mjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { diag } from "./diag.mjs";
import { startJob } from "./job.mjs";
import { knobs, nextForcedExitCode } from "./knobs.mjs";
import { createServiceClient, RegistrationDeletedError, RunnerNotFoundError, SessionConflictError, SessionExpiredError } from "./service.mjs";
import { error, line, success, utc } from "./term.mjs";

const DELETED =
  "Failed to create a session. The runner registration has been deleted from the server, please re-configure. Runner registrations are automatically deleted for runners that have not connected to the service recently.";

/** Thrown for errors main() prints as `An error occurred: <message>` with exit 1. */
export class NonRetryableError extends Error {}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** Writes the files of a JIT config (`{".runner": b64, ...}` in base64). */
function applyJitConfig(store, b64) {
  const files = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  for (const [name, content] of Object.entries(files)) store.writeRaw(name, Buffer.from(content, "base64"));
}

export async function run(cmd, store, version) {
  const jit = cmd.arg("jitconfig");
  if (jit) {
    try {
      applyJitConfig(store, jit);
    } catch (err) {
      error(err.message);
      return 1;
    }
  }
  if (!store.isConfigured()) throw new NonRetryableError("Not configured. Run config.(sh/cmd) to configure the runner.");
  const settings = store.settings();
  const once = cmd.flag("once");
  if (once) {
    line("Warning: '--once' is going to be deprecated in the future, please consider using '--ephemeral' during runner registration.");
    line("https://docs.github.com/en/actions/hosting-your-own-runners/autoscaling-with-self-hosted-runners#using-ephemeral-runners-for-autoscaling");
  }
  const runOnce = once || settings.ephemeral === true;
  mkdirSync(resolvePath(store.root, settings.workFolder ?? "_work"), { recursive: true });

  const stop = new AbortController();
  let current;
  const shutdown = () => {
    stop.abort();
    current?.cancel("shutdown");
  };
  process.on("SIGINT", () => {
    line("Exiting...");
    shutdown();
  });
  process.on("SIGTERM", shutdown);
  if (knobs.crashAfterMs !== undefined) setTimeout(crash, knobs.crashAfterMs).unref();

  const client = createServiceClient(store, version);
  let sid = await createSession(client, stop.signal, false);
  if (typeof sid === "number") return sid;
  if (sid === undefined) return 0;

  line(`Current runner version: '${version}'`);
  line(`${utc()}: Listening for Jobs`);
  if (knobs.diagError) diag().error("Runner", knobs.diagError);
  const forced = nextForcedExitCode(store.root);
  if (forced !== undefined) {
    await client.deleteSession(sid).catch(() => {});
    // A self-update exit (3, 4) is followed by the updater's flag file.
    if (forced === 3 || forced === 4) writeFileSync("update.finished", "");
    return forced;
  }

  let encountering = false;
  let jobCompleted = false;
  let cleanupAfter404 = false;
  let skipSessionDeletion = false;
  const loop = new AbortController();
  stop.signal.addEventListener("abort", () => loop.abort(), { once: true });
  while (!loop.signal.aborted) {
    let message;
    try {
      message = await client.getMessage(sid, knobs.pollMs, loop.signal);
      if (encountering) line(`${utc()}: Runner reconnected.`);
      encountering = false;
    } catch (err) {
      if (loop.signal.aborted) break;
      if (err instanceof RunnerNotFoundError || err instanceof RegistrationDeletedError) {
        if (knobs.stuckWhenDeleted) {
          await stayStuck(stop.signal);
          break;
        }
        error("The runner no longer exists on the server. Cleaning up local configuration.");
        skipSessionDeletion = true;
        cleanupAfter404 = true;
        break;
      }
      if (err instanceof SessionExpiredError) {
        const again = await createSession(client, stop.signal, true);
        if (typeof again !== "string") break;
        sid = again;
        continue;
      }
      if (!encountering) error(`${utc()}: Runner connect error: ${err.message}. Retrying until reconnected.`);
      encountering = true;
      await sleep(knobs.retryMs, loop.signal);
      continue;
    }
    if (message?.type === "cancel" && current?.id === message.jobId) current.cancel("server");
    if (message?.type === "release" && current?.id === message.jobId) current.release();
    if (message?.type === "job" && !current) {
      const job = startJob(message.job, { client, root: store.root, settings, once });
      current = job;
      void job.done.then(() => {
        current = undefined;
        if (runOnce) {
          jobCompleted = true;
          loop.abort();
        }
      });
    }
  }
  if (current) await current.done;
  if (!skipSessionDeletion) await client.deleteSession(sid).catch(() => {});
  if ((runOnce && jobCompleted) || cleanupAfter404) store.deleteLocalConfig();
  return 0;
}

/** Creates a session as the real listener does, retrying; returns the id, an exit code, or undefined when stopped. */
async function createSession(client, signal, quiet) {
  let encountering = false;
  let conflicts = 0;
  while (!signal.aborted) {
    try {
      await client.authenticate();
      if (!quiet) {
        line();
        success("Connected to GitHub");
        line();
      }
      const sid = await client.createSession();
      if (encountering) line(`${utc()}: Runner reconnected.`);
      return sid;
    } catch (err) {
      if (err instanceof RegistrationDeletedError) {
        error(DELETED);
        return 1;
      }
      if (err instanceof RunnerNotFoundError) {
        error("The runner no longer exists on the server. Please reconfigure the runner.");
        error(`Failed to create session. ${err.message}`);
        return 1;
      }
      if (err instanceof SessionConflictError) {
        error("A session for this runner already exists.");
        conflicts++;
        if (conflicts * knobs.retryMs >= knobs.conflictLimitMs) {
          error(`Stop retry on SessionConflictException after retried for ${knobs.conflictLimitMs / 1000} seconds.`);
          error(`Failed to create session. ${err.message}`);
          return 5;
        }
      }
      if (!encountering) error(`${utc()}: Runner connect error: ${err.message}. Retrying until reconnected.`);
      encountering = true;
      await sleep(knobs.retryMs, signal);
    }
  }
  return undefined;
}

/** The broker hang after a registration was deleted: the process lives on, logging the same error. */
async function stayStuck(signal) {
  error(`${utc()}: Runner connect error: Registration was not found or is not medium trust. Retrying until reconnected.`);
  while (!signal.aborted) {
    diag().error("BrokerServer", "Registration was not found or is not medium trust. (TaskAgentNotFoundException)");
    await sleep(knobs.retryMs, signal);
  }
}

function crash() {
  process.stderr.write("Unhandled exception. System.Exception: fake crash (FAKE_RUNNER_CRASH_AFTER_MS)\n");
  if (knobs.crashExitCode !== undefined) process.exit(knobs.crashExitCode);
  process.kill(process.pid, "SIGKILL");
}
