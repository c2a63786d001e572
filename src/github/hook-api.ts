import type { Octokit } from "@octokit/rest";
import { GitHubFatalError, gitHubMessage, httpStatus } from "./github-error.ts";
import { requestWithRetry, type RetryOptions } from "./with-retry.ts";
import { EXIT_CONFIG } from "../config/config-error.ts";

/** A hook as the controller needs to see it. */
export interface HookSummary {
  readonly id: number;
  readonly url: string;
  readonly active: boolean;
  readonly events: readonly string[];
}

/** What the controller's hook is made of: where it delivers, signed with what. */
export interface HookTarget {
  readonly url: string;
  readonly secret: string;
}

/** One delivery attempt of a hook (GitHub's "Recent Deliveries"). */
export interface DeliveryAttempt {
  readonly id: number;
  /** X-GitHub-Delivery: shared by an attempt and its redeliveries. */
  readonly guid: string;
  /** Epoch milliseconds. */
  readonly deliveredAt: number;
  readonly redelivery: boolean;
  /** 0 when GitHub could not connect. */
  readonly statusCode: number;
  /** GitHub's words: "OK", "Invalid HTTP Response: 503", "failed to connect"... */
  readonly status: string;
  readonly event: string;
  readonly action: string | null;
}

/** The permission to manage hooks, as GitHub names it, for a `repos/o/r` or `orgs/o` path. */
export function hookPermission(scopePath: string): string {
  return scopePath.startsWith("orgs/")
    ? `the token lacks the organization permission "Webhooks: write" (fine-grained PAT or GitHub App) or the classic scope admin:org_hook on ${scopePath.slice("orgs/".length)}`
    : `the token lacks the repository permission "Webhooks: write" (fine-grained PAT or GitHub App) or the classic scope admin:repo_hook on ${scopePath.slice("repos/".length)}`;
}

const PER_PAGE = 100;

/** The `rel="next"` URL of a Link header, if any. */
function nextLink(link: unknown): string | undefined {
  return typeof link === "string" ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
}

/**
 * The webhook endpoints of one repository (`repos/o/r`) or organization
 * (`orgs/o`): list, create, update, delete hooks; list and redeliver their
 * deliveries. Each call retried per withRetry; a missing permission (403,
 * or the 404 GitHub answers a listing instead) is a GitHubFatalError naming it.
 */
export class HookApi {
  readonly #octokit: Octokit;
  readonly #scope: string;
  readonly #retry: RetryOptions;

  constructor(octokit: Octokit, scopePath: string, retry: RetryOptions) {
    this.#octokit = octokit;
    this.#scope = scopePath;
    this.#retry = { ...retry, forbidden: hookPermission(scopePath) };
  }

  /** Every hook of the scope, following the Link header's pages. */
  async list(signal?: AbortSignal): Promise<HookSummary[]> {
    const route = `GET /${this.#scope}/hooks`;
    const all: HookSummary[] = [];
    for (let page = 1; ; page++) {
      const res = await requestWithRetry(this.#octokit, this.#retry, route, { per_page: PER_PAGE, page }, signal).catch((e: unknown) => {
        // GitHub hides the hooks from a token that may not manage them behind a 404.
        if (httpStatus(e) !== 404) throw e;
        throw new GitHubFatalError(`${this.#retry.credentialVar}: GitHub answered 404 (${gitHubMessage(e)}) to ${route}: ${this.#retry.forbidden ?? ""}`, EXIT_CONFIG);
      });
      const hooks = res.data as { id: number; active: boolean; events: string[]; config: { url?: string } }[];
      for (const h of hooks) all.push({ id: h.id, url: h.config.url ?? "", active: h.active, events: h.events });
      if (nextLink(res.headers.link) === undefined || hooks.length === 0) return all;
    }
  }

  async create(target: HookTarget, signal?: AbortSignal): Promise<number> {
    const route = `POST /${this.#scope}/hooks`;
    const res = await requestWithRetry(this.#octokit, this.#retry, route, { name: "web", ...hookBody(target) }, signal);
    return (res.data as { id: number }).id;
  }

  /** Sets the whole hook (URL, secret, events, active): whatever it was, it becomes ours. */
  async update(id: number, target: HookTarget, signal?: AbortSignal): Promise<void> {
    const route = `PATCH /${this.#scope}/hooks/${id}`;
    await requestWithRetry(this.#octokit, this.#retry, route, hookBody(target), signal);
  }

  async remove(id: number, signal?: AbortSignal): Promise<void> {
    const route = `DELETE /${this.#scope}/hooks/${id}`;
    await requestWithRetry(this.#octokit, this.#retry, route, {}, signal);
  }

  /** The hook's delivery attempts since `sinceMs`, newest first, following GitHub's cursor pages. */
  async deliveriesSince(hookId: number, sinceMs: number, signal?: AbortSignal): Promise<DeliveryAttempt[]> {
    const route = `GET /${this.#scope}/hooks/${hookId}/deliveries`;
    const all: DeliveryAttempt[] = [];
    let cursor: string | undefined;
    for (;;) {
      const params = { per_page: PER_PAGE, ...(cursor === undefined ? {} : { cursor }) };
      const res = await requestWithRetry(this.#octokit, this.#retry, route, params, signal);
      const items = res.data as { id: number; guid: string; delivered_at: string; redelivery: boolean; status_code: number; status: string; event: string; action: string | null }[];
      for (const d of items) {
        const deliveredAt = Date.parse(d.delivered_at);
        if (deliveredAt < sinceMs) return all;
        all.push({ id: d.id, guid: d.guid, deliveredAt, redelivery: d.redelivery, statusCode: d.status_code, status: d.status, event: d.event, action: d.action });
      }
      const next = nextLink(res.headers.link);
      cursor = next === undefined ? undefined : (new URL(next).searchParams.get("cursor") ?? undefined);
      if (cursor === undefined || items.length === 0) return all;
    }
  }

  /** Asks GitHub to deliver attempt `deliveryId` again (202; it happens soon after). */
  async redeliver(hookId: number, deliveryId: number, signal?: AbortSignal): Promise<void> {
    const route = `POST /${this.#scope}/hooks/${hookId}/deliveries/${deliveryId}/attempts`;
    await requestWithRetry(this.#octokit, this.#retry, route, {}, signal);
  }
}

function hookBody(target: HookTarget): Record<string, unknown> {
  return { active: true, events: ["workflow_job"], config: { url: target.url, content_type: "json", insecure_ssl: "0", secret: target.secret } };
}
