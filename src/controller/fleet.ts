import { ConfigError, EXIT_CONFIG } from "../config/config-error.ts";
import type { Config } from "../config/load-config.ts";
import { BootError } from "../lifecycle/boot-error.ts";
import type { Logger } from "../log/logger.ts";
import { connectEntry, type Connection } from "./connect-entry.ts";
import type { ContainerEngine } from "./container-engine.ts";
import { Controller } from "./controller.ts";
import { ControllerMetrics } from "./controller-metrics.ts";
import { manyScopesControllerId } from "./controller-settings.ts";
import { ControllerStore } from "./controller-store.ts";
import { fleetHealth } from "./fleet-health.ts";
import { forgetHook, startHookUpkeep } from "./hook-upkeep.ts";
import { HostSlots } from "./host-slots.ts";
import type { WebhookTarget } from "./http-server.ts";
import { rejectionLog } from "./rejection-log.ts";
import { SINGLE_WEBHOOK_PATH, type ScopeEntry } from "./scope-entry.ts";
import { stopOrphans } from "./stop-orphans.ts";
import { forgetWebhookSecret } from "./webhook-secret.ts";

export interface FleetDeps {
  /** The environment's Config. */
  readonly base: Config;
  readonly engine: ContainerEngine;
  readonly log: Logger;
  /** The process's stop. */
  readonly stopping: AbortSignal;
  /** REPOS_CONFIG_FILE's entries, each on /webhook/{id} (else the environment's single scope on /webhook). */
  readonly many: boolean;
  /** WEBHOOK_HOST: each entry's hook made sure of at host + its path, its failed deliveries redelivered every `intervalMs`. */
  readonly hooks?: { readonly host: string; readonly intervalMs: number };
}

/** One entry and its controller. */
export interface FleetMember {
  entry: ScopeEntry;
  readonly controller: Controller;
  readonly refused: (kind: string, detail: string) => void;
  /** Stops its hook upkeep (WEBHOOK_HOST); resolves once its pass under way is over. */
  stopHook?: () => Promise<void>;
}

const key = (e: ScopeEntry): string => e.id ?? "";
const sameScope = (a: ScopeEntry, b: ScopeEntry): boolean => a.config.apiUrl === b.config.apiUrl && a.config.scope?.apiPath.toLowerCase() === b.config.scope?.apiPath.toLowerCase();

/**
 * The controllers of every scope served: the environment's single one, or
 * one per REPOS_CONFIG_FILE entry, each with its own path, secret, books and
 * runners, under the host's MAX_RUNNERS. A reload (SIGHUP, a change of the
 * file) starts the entries added, drains the ones removed (no new job; busy
 * runners finish), and changes the others in place; an entry whose scope
 * changed is drained, then started anew.
 */
export class Fleet {
  readonly metrics: ControllerMetrics;
  readonly #d: FleetDeps;
  readonly #host: HostSlots | undefined;
  readonly #serving = new Map<string, FleetMember>();
  readonly #draining = new Map<string, FleetMember>();
  /** Hooks of entries gone for good being deleted (WEBHOOK_HOST), by id. */
  readonly #forgetting = new Map<string, Promise<void>>();
  /** Entries of the file in force that could not start (GitHub refused them): tried again at each reload. */
  readonly #failed = new Map<string, string>();
  #desired: readonly ScopeEntry[] = [];
  #queue: Promise<void> = Promise.resolve();
  #lastReload: { at: number; error: string | undefined } | undefined;

  constructor(d: FleetDeps) {
    this.#d = d;
    this.metrics = new ControllerMetrics(d.many);
    this.#host = d.many ? new HostSlots(d.base.MAX_RUNNERS) : undefined;
  }

  /** Serving, in the file's order. */
  get members(): FleetMember[] {
    return [...this.#serving.values()];
  }

  /**
   * Checks each entry with GitHub and restores its saved state; nothing
   * starts yet. A refusal throws (one line naming it) for the single scope;
   * of REPOS_CONFIG_FILE entries, one refused is left out as at a reload
   * (tried again at the next), so that one expired credential does not stop
   * the others: only none accepted throws.
   */
  async prepare(entries: readonly ScopeEntry[]): Promise<void> {
    this.#desired = entries;
    const conns = await Promise.allSettled(entries.map((e) => this.#connect(e)));
    const refused: [ScopeEntry, BootError | ConfigError][] = [];
    entries.forEach((e, i) => {
      const conn = conns[i] as PromiseSettledResult<Connection>;
      if (conn.status === "fulfilled") return void this.#join(e, conn.value);
      const error: unknown = conn.reason;
      if (!this.#d.many || !(error instanceof BootError || error instanceof ConfigError)) throw error;
      refused.push([e, error]);
    });
    const [first] = refused;
    // None could start: the exit code of the refusal, still one line when one entry was refused.
    if (this.#serving.size === 0 && first && refused.length === 1) throw first[1];
    for (const [e, error] of refused) this.#notStarted(e, error);
    if (this.#serving.size === 0 && first) {
      throw new BootError(`REPOS_CONFIG_FILE: none of its ${refused.length} entries could start (each line above says why)`, first[1] instanceof BootError ? first[1].exitCode : EXIT_CONFIG);
    }
  }

  #notStarted(entry: ScopeEntry, e: BootError | ConfigError): void {
    this.#failed.set(key(entry), e.message);
    this.#logOf(entry).error(`not started: ${e.message} (tried again at the next reload)`);
  }

  /** Adopts what Docker and GitHub show for every entry, then scales. */
  async start(): Promise<void> {
    if (this.#d.many) await stopOrphans(this.#d.engine, manyScopesControllerId(this.#d.base), new Set(this.#desired.map(key)), this.#d.log);
    await Promise.all(this.members.map((m) => m.controller.start()));
    for (const m of this.members) this.#keepHook(m);
  }

  /** With WEBHOOK_HOST: the entry's own hook, at WEBHOOK_HOST + its path, with its secret and credential (restarted when they change). */
  #keepHook(m: FleetMember): void {
    const stopped = m.stopHook?.();
    const scope = m.entry.config.scope;
    if (!this.#d.hooks || !scope) return;
    const target = { url: `${this.#d.hooks.host}${m.entry.path}`, secret: m.entry.secret };
    // The same id back while its former hook is being deleted: that delete must not take the hook made anew.
    const after = Promise.all([stopped, this.#forgetting.get(key(m.entry))]);
    m.stopHook = startHookUpkeep({ scope, api: m.controller.api.hookApi(), target, log: m.controller.log, intervalMs: this.#d.hooks.intervalMs, signal: this.#d.stopping, after });
  }

  #connect(entry: ScopeEntry): Promise<Connection> {
    return connectEntry(entry, this.#logOf(entry), this.#d.stopping);
  }

  #logOf(entry: ScopeEntry): Logger {
    return entry.id === undefined ? this.#d.log : this.#d.log.child(`controller/${entry.id}`);
  }

  #join(entry: ScopeEntry, conn: Connection): FleetMember {
    const log = this.#logOf(entry);
    const store = new ControllerStore(entry.config.DATA_DIR, entry.id === undefined ? undefined : `controller-state.${entry.id}.json`);
    const controller = new Controller({
      config: entry.config,
      settings: entry.settings,
      engine: this.#d.engine,
      api: conn.api,
      log,
      store,
      runnerGroupId: conn.runnerGroupId,
      stopping: this.#d.stopping,
      metrics: this.metrics.of(entry.id),
      ...(this.#host ? { host: this.#host } : {}),
    });
    const loaded = store.load(entry.settings.runnerKey);
    if (loaded.problem) log.warn(loaded.problem);
    controller.restore(loaded.state);
    const member: FleetMember = { entry, controller, refused: rejectionLog(log) };
    this.#serving.set(key(entry), member);
    return member;
  }

  /** The target of a POST to `path`, or what its 404 says. */
  webhook(path: string): WebhookTarget | string {
    for (const m of this.#serving.values()) {
      if (m.entry.path !== path) continue;
      return {
        secret: m.entry.secret,
        onDelivery: (d) => (d.kind === "job" ? m.controller.onJob(d.event) : "ignored"),
        onResult: (result, detail) => {
          m.controller.metrics.delivery(result);
          if (result === "unauthorized" || result === "malformed" || result === "too_large") m.refused(result, detail);
        },
      };
    }
    if (!this.#d.many) return `not found: POST ${SINGLE_WEBHOOK_PATH}, GET /health, GET /metrics`;
    if (path === SINGLE_WEBHOOK_PATH) return "REPOS_CONFIG_FILE is in force: each entry has its own path, /webhook/{id}";
    return `no entry of REPOS_CONFIG_FILE at ${path}`;
  }

  /**
   * Re-reads the entries (`read` throws a ConfigError for a bad file: one
   * line, and the entries in force stay). Reloads run one at a time.
   */
  reload(read: () => readonly ScopeEntry[], why: string): Promise<void> {
    const p = this.#queue.then(() => this.#reload(read, why));
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async #reload(read: () => readonly ScopeEntry[], why: string): Promise<void> {
    if (this.#d.stopping.aborted) return;
    try {
      this.#desired = read();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.#lastReload = { at: Date.now(), error: e.message };
      this.#d.log.error(`${why}: ${e.message}; the entries in force stay`);
      return;
    }
    this.#lastReload = { at: Date.now(), error: undefined };
    this.#d.log.info(`${why}: REPOS_CONFIG_FILE re-read: ${await this.#apply()}`);
  }

  /** Brings the members to #desired; returns what changed, in words. */
  async #apply(): Promise<string> {
    const desired = new Map(this.#desired.map((e) => [key(e), e]));
    for (const id of this.#failed.keys()) if (!desired.has(id)) this.#failed.delete(id);
    const removed: string[] = [];
    for (const [id, m] of this.#serving) {
      const next = desired.get(id);
      if (next && sameScope(m.entry, next)) continue;
      this.#retire(id, m);
      removed.push(id);
    }
    const changed: string[] = [];
    const later: string[] = [];
    const adds: Promise<string | undefined>[] = [];
    for (const [id, entry] of desired) {
      const m = this.#serving.get(id);
      if (m) {
        if (JSON.stringify(m.entry.spec) !== JSON.stringify(entry.spec) && (await this.#reconfigure(m, entry))) changed.push(id);
      } else if (this.#draining.has(id)) {
        later.push(id);
      } else {
        adds.push(this.#add(entry).then((ok) => (ok ? id : undefined)));
      }
    }
    const added = (await Promise.all(adds)).filter((id) => id !== undefined);
    const words = [
      `${added.length} added${added.length ? ` (${added.join(", ")})` : ""}`,
      `${removed.length} removed${removed.length ? ` (${removed.join(", ")}: draining)` : ""}`,
      `${changed.length} changed${changed.length ? ` (${changed.join(", ")})` : ""}`,
    ];
    if (later.length > 0) words.push(`${later.join(", ")} start(s) once its former runners are gone`);
    return `${this.#serving.size} entries serving; ${words.join(", ")}`;
  }

  async #add(entry: ScopeEntry): Promise<boolean> {
    try {
      const member = this.#join(entry, await this.#connect(entry));
      this.#failed.delete(key(entry));
      await member.controller.start();
      this.#keepHook(member);
      return true;
    } catch (e) {
      if (!(e instanceof BootError) && !(e instanceof ConfigError)) throw e;
      this.#notStarted(entry, e);
      return false;
    }
  }

  /** Same scope, new cap, labels, image, secret or credential: the runners started from now on get them. */
  async #reconfigure(m: FleetMember, entry: ScopeEntry): Promise<boolean> {
    let conn: Connection;
    try {
      conn = await this.#connect(entry);
    } catch (e) {
      if (!(e instanceof BootError) && !(e instanceof ConfigError)) throw e;
      this.#logOf(entry).error(`not changed: ${e.message} (it goes on as before)`);
      return false;
    }
    m.entry = entry;
    m.controller.reconfigure({ config: entry.config, settings: entry.settings, ...conn });
    this.#keepHook(m);
    return true;
  }

  /** Drains the entry; then, with WEBHOOK_HOST, its hook goes unless the same id serves the same scope again. */
  #retire(id: string, m: FleetMember): void {
    m.stopHook?.();
    this.#serving.delete(id);
    this.#draining.set(id, m);
    m.controller.retire().then(
      () => {
        this.#draining.delete(id);
        this.metrics.forget(id);
        const next = this.#desired.find((e) => key(e) === id);
        this.#forgetHook(m, next);
        // The same id again (re-added, or its scope changed): it starts now.
        if (!next || this.#d.stopping.aborted) return;
        // Caught here as reload() does: a throw would abort the process, and the next reload would get it.
        this.#queue = this.#queue
          .then(() => this.#apply())
          .then(
            (s) => this.#d.log.info(`entry ${id} drained: ${s}`),
            (e: unknown) => this.#d.log.error(`entry ${id} drained: REPOS_CONFIG_FILE not applied: ${(e as Error).message}`),
          );
      },
      (e: unknown) => this.#logOf(m.entry).error(`draining failed: ${(e as Error).message}`),
    );
  }

  #forgetHook(m: FleetMember, next: ScopeEntry | undefined): void {
    const scope = m.entry.config.scope;
    if (!this.#d.hooks || !scope || this.#d.stopping.aborted || (next && sameScope(next, m.entry))) return;
    const forgetSecret = () => next === undefined && forgetWebhookSecret(this.#d.base.DATA_DIR, key(m.entry));
    const url = `${this.#d.hooks.host}${m.entry.path}`;
    const id = key(m.entry);
    const forgetting = forgetHook({ scope, api: m.controller.api.hookApi(), url, log: m.controller.log, forgetSecret, signal: this.#d.stopping }).finally(() => {
      if (this.#forgetting.get(id) === forgetting) this.#forgetting.delete(id);
    });
    this.#forgetting.set(id, forgetting);
  }

  health(): Record<string, unknown> {
    const only = this.members[0];
    if (!this.#d.many && only) return only.controller.health();
    return fleetHealth({
      base: this.#d.base,
      stopping: this.#d.stopping.aborted,
      members: [...this.#serving.values(), ...this.#draining.values()],
      failed: this.#failed,
      lastReload: this.#lastReload,
    });
  }

  renderMetrics(): Promise<{ contentType: string; body: string }> {
    return this.metrics.render([...this.#serving.values(), ...this.#draining.values()].map((m) => m.controller.state()));
  }

  /** The stop of every controller (draining ones too), bounded by `deadline`. */
  async stop(deadline: AbortSignal): Promise<void> {
    for (const m of this.#serving.values()) m.stopHook?.();
    await Promise.all([...this.#serving.values(), ...this.#draining.values()].map((m) => m.controller.stop(deadline)));
  }

  halt(): void {
    for (const m of this.#serving.values()) m.stopHook?.();
    for (const m of [...this.#serving.values(), ...this.#draining.values()]) m.controller.halt();
  }
}
