import type { AppRegistry } from "./app-registry.ts";
import type { HookRegistry } from "./hook-registry.ts";
import type { RunnerKey } from "./jit-config.ts";
import type { JobQueue } from "./job-queue.ts";
import type { RunnerRegistry } from "./runner-registry.ts";
import type { SessionTable } from "./session-table.ts";
import type { TokenStore } from "./token-store.ts";

/** Everything the fake's handlers share. */
export interface World {
  readonly registry: RunnerRegistry;
  readonly tokens: TokenStore;
  readonly jobs: JobQueue;
  readonly sessions: SessionTable;
  readonly apps: AppRegistry;
  /** Webhooks: the REST API's (per repository or organization) and the ones tests add. */
  readonly hooks: HookRegistry;
  /** Tokens that /actions/runner-registration hands to config.sh, for the runner-admin calls that follow. */
  readonly tenantTokens: Map<string, { scope: string; expiresAt: number }>;
  /** OAuth access tokens of listeners (runner id each). */
  readonly accessTokens: Map<string, number>;
  /** The RSA key of JIT runners (generated once, on first use). */
  readonly jitKey: () => Promise<RunnerKey>;
  /** Jobs go only to runners of their repository, its organization or an enterprise, as on GitHub (FakeGitHubOptions.jobsByScope). */
  readonly jobsByScope: boolean;
  /** Longest a runner's message poll is held open before answering 204. */
  pollHoldMs: number;
}
