import { FakeWebhook, type WebhookSpec } from "./webhook-sender.ts";
import type { JobQueue } from "./job-queue.ts";

/** A hook made through the REST API: what GitHub stores beside what it delivers. */
export interface RestHook {
  readonly hook: FakeWebhook;
  /** `repos/o/r` or `orgs/o`, lower case. */
  readonly scope: string;
  contentType: string;
  insecureSsl: string;
  readonly createdAt: string;
  updatedAt: string;
}

/**
 * Every hook of the fake: the ones tests add directly (`addWebhook`, no
 * scope, invisible to the API) and the ones the REST API creates, which
 * the API lists per repository or organization. One id sequence for both.
 */
export class HookRegistry {
  readonly #jobs: JobQueue;
  readonly #onChange: () => void;
  readonly #all: FakeWebhook[] = [];
  readonly #rest = new Map<number, RestHook>();
  #lastId = 0;

  constructor(jobs: JobQueue, onChange: () => void) {
    this.#jobs = jobs;
    this.#onChange = onChange;
  }

  add(spec: WebhookSpec, webBase: string): FakeWebhook {
    const hook = new FakeWebhook(++this.#lastId, spec, this.#jobs, webBase);
    hook.onRecord = this.#onChange;
    this.#all.push(hook);
    return hook;
  }

  addRest(scope: string, spec: WebhookSpec, contentType: string, insecureSsl: string, webBase: string): RestHook {
    const now = new Date().toISOString();
    const rest: RestHook = { hook: this.add({ ...spec, scope }, webBase), scope, contentType, insecureSsl, createdAt: now, updatedAt: now };
    this.#rest.set(rest.hook.id, rest);
    this.#onChange();
    return rest;
  }

  /** The REST hooks of `scope`, oldest first (GitHub's order); all scopes when undefined. */
  list(scope?: string): RestHook[] {
    return [...this.#rest.values()].filter((h) => scope === undefined || h.scope === scope);
  }

  get(scope: string, id: number): RestHook | undefined {
    const h = this.#rest.get(id);
    return h && h.scope === scope ? h : undefined;
  }

  remove(id: number): void {
    this.#rest.get(id)?.hook.remove();
    this.#rest.delete(id);
    this.#onChange();
  }

  closeAll(): void {
    for (const h of this.#all) h.remove();
  }
}
