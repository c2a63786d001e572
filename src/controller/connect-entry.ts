import { ConfigError } from "../config/config-error.ts";
import { connectRunnerApi } from "../github/github-client.ts";
import type { RunnerApi } from "../github/runner-api.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import { whenAborted } from "../lifecycle/when-aborted.ts";
import type { Logger } from "../log/logger.ts";
import { runnerGroupId } from "../runner/register-jit.ts";
import type { ScopeEntry } from "./scope-entry.ts";

/** What a scope's controller needs of GitHub, checked. */
export interface Connection {
  readonly api: RunnerApi;
  readonly runnerGroupId: number;
}

/**
 * Checks the entry's credential, scope and runner group with GitHub (a
 * refusal: a BootError, one line naming what is at fault). GitHub
 * unreachable (a wrong host, refused connections) is retried forever by each
 * call: bounded here by GITHUB_CONNECT_TIMEOUT_SEC, so that one entry holds
 * up neither the start nor the reloads queued behind it. The bound starts at
 * the first failed call (the retry's first wait), so a GitHub that answers,
 * however slowly on a loaded host, is waited for.
 */
export async function connectEntry(entry: ScopeEntry, log: Logger, stopping: AbortSignal): Promise<Connection> {
  const seconds = entry.config.GITHUB_CONNECT_TIMEOUT_SEC;
  const timeout = new AbortController();
  let connecting = true;
  let timer: NodeJS.Timeout | undefined;
  // The API keeps this for its later calls: only a failure while connecting starts the bound.
  const onWait = (): void => {
    if (connecting) timer ??= setTimeout(() => timeout.abort(new Error("no answer")), seconds * 1000);
  };
  const signal = AbortSignal.any([stopping, timeout.signal]);
  // A call still waiting for an answer ends too, not only a retry's wait.
  const timedOut = whenAborted(timeout.signal).then(() => {
    throw new Error("no answer");
  });
  timedOut.catch(() => undefined);
  try {
    return await Promise.race([connectWithin(entry, log, signal, onWait), timedOut]);
  } catch (e) {
    if (!timeout.signal.aborted || stopping.aborted || e instanceof BootError || e instanceof ConfigError) throw e;
    const who = entry.id === undefined ? entry.names.scope : `entry ${entry.id}`;
    throw new BootError(`${who}: GitHub at ${new URL(entry.config.apiUrl).host} not reached within GITHUB_CONNECT_TIMEOUT_SEC=${seconds} s of its first failure (${(e as Error).message})`);
  } finally {
    connecting = false;
    clearTimeout(timer);
  }
}

async function connectWithin(entry: ScopeEntry, log: Logger, signal: AbortSignal, onWait: () => void): Promise<Connection> {
  const api = await connectRunnerApi(entry.config, log, signal, entry.names, onWait);
  // The credential and the scope are checked here, with one line naming what is at fault.
  await api.list(signal);
  const groupId = await runnerGroupId(api, entry.config, signal).catch((e: unknown) => {
    // Its line names RUNNER_GROUP; an entry's group is its runner_group field.
    if (entry.id === undefined || !(e instanceof BootError)) throw e;
    throw new BootError(e.message.replace(/^RUNNER_GROUP:/, `${entry.names.scope.replace(/github_url$/, "runner_group")}:`), e.exitCode);
  });
  return { api, runnerGroupId: groupId };
}
