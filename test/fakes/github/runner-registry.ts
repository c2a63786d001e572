import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { FakeRunner, RunnerLabel, Scope } from "./types.ts";

/** Labels every runner gets unless configured with --no-default-labels (Linux x64 runner). */
export const DEFAULT_LABELS = ["self-hosted", "Linux", "X64"] as const;

export interface NewRunner {
  name: string;
  labels: string[];
  noDefaultLabels?: boolean;
  ephemeral?: boolean;
  disableUpdate?: boolean;
  runnerGroupId?: number;
  /** PEM of the runner's RSA public key: its listener signs its OAuth client assertions with the private half. */
  publicKeyPem?: string;
}

/** Internal record: the public runner plus what only the runner protocol needs. */
export interface RunnerRecord extends FakeRunner {
  clientId: string;
  publicKeyPem: string | undefined;
}

export interface RunnerGroup {
  id: number;
  name: string;
  isDefault: boolean;
}

/**
 * Runners and runner groups of every scope. Emits "change" after each
 * mutation so long polls and `waitFor` wake up.
 */
export class RunnerRegistry extends EventEmitter {
  private readonly runners = new Map<number, RunnerRecord>();
  private readonly groups = new Map<Scope, RunnerGroup[]>();
  private nextRunnerId = 1;
  private nextLabelId = 1;
  private nextGroupId = 2;

  /** Groups of a scope; the `Default` group (id 1) always exists. Repositories have only `Default`. */
  groupsOf(scope: Scope): RunnerGroup[] {
    let list = this.groups.get(scope);
    if (!list) {
      list = [{ id: 1, name: "Default", isDefault: true }];
      this.groups.set(scope, list);
    }
    return list;
  }

  addGroup(scope: Scope, name: string): RunnerGroup {
    if (scope.startsWith("repos/")) throw new Error("repositories have no runner groups besides Default");
    const group = { id: this.nextGroupId++, name, isDefault: false };
    this.groupsOf(scope).push(group);
    this.emit("change");
    return group;
  }

  findGroup(scope: Scope, name: string): RunnerGroup | undefined {
    return this.groupsOf(scope).find((g) => g.name.toLowerCase() === name.toLowerCase());
  }

  add(scope: Scope, spec: NewRunner): RunnerRecord {
    const labels: RunnerLabel[] = [];
    if (!spec.noDefaultLabels) {
      for (const name of DEFAULT_LABELS) labels.push({ id: this.nextLabelId++, name, type: "read-only" });
    }
    const seen = new Set(labels.map((l) => l.name.toLowerCase()));
    for (const name of spec.labels) {
      if (name === "" || seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      const builtIn = DEFAULT_LABELS.some((d) => d.toLowerCase() === name.toLowerCase());
      labels.push({ id: this.nextLabelId++, name, type: builtIn ? "read-only" : "custom" });
    }
    const runner: RunnerRecord = {
      id: this.nextRunnerId++,
      name: spec.name,
      scope,
      os: "Linux",
      status: "offline",
      busy: false,
      ephemeral: spec.ephemeral ?? false,
      disableUpdate: spec.disableUpdate ?? false,
      runner_group_id: spec.runnerGroupId ?? 1,
      labels,
      version: null,
      jobId: null,
      clientId: randomBytes(16).toString("hex"),
      publicKeyPem: spec.publicKeyPem,
    };
    this.runners.set(runner.id, runner);
    this.emit("change");
    return runner;
  }

  /** Replace (config.sh --replace): same id, new key, labels and flags. */
  replace(id: number, spec: NewRunner): RunnerRecord {
    const old = this.runners.get(id);
    if (!old) throw new Error(`no runner ${id}`);
    this.runners.delete(id);
    const fresh = this.add(old.scope, spec);
    this.runners.delete(fresh.id);
    const replaced = { ...fresh, id: old.id, status: old.status, busy: old.busy, jobId: old.jobId };
    this.runners.set(old.id, replaced);
    this.emit("change");
    return replaced;
  }

  get(id: number): RunnerRecord | undefined {
    return this.runners.get(id);
  }

  byName(scope: Scope, name: string): RunnerRecord | undefined {
    for (const r of this.runners.values()) {
      if (r.scope === scope && r.name.toLowerCase() === name.toLowerCase()) return r;
    }
    return undefined;
  }

  list(scope?: Scope): RunnerRecord[] {
    return [...this.runners.values()].filter((r) => scope === undefined || r.scope === scope);
  }

  /** Deletes a registration; GitHub refuses while the runner runs a job. */
  remove(id: number): "removed" | "busy" | "missing" {
    const r = this.runners.get(id);
    if (!r) return "missing";
    if (r.busy) return "busy";
    this.runners.delete(id);
    this.emit("change");
    return "removed";
  }

  /** Drops a registration even when busy (ephemeral runner after its job). */
  forget(id: number): void {
    if (this.runners.delete(id)) this.emit("change");
  }

  update(id: number, patch: Partial<Pick<FakeRunner, "status" | "busy" | "jobId" | "version">>): void {
    const r = this.runners.get(id);
    if (!r) return;
    Object.assign(r, patch);
    this.emit("change");
  }
}

/** A runner as the REST API shows it (schema `runner`). */
export function runnerJson(r: FakeRunner): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    os: r.os,
    status: r.status,
    busy: r.busy,
    ephemeral: r.ephemeral,
    runner_group_id: r.runner_group_id,
    labels: r.labels.map((l) => ({ ...l })),
    version: r.version,
  };
}

/** The public view of a runner record (no key, no client id). */
export function publicRunner(r: RunnerRecord): FakeRunner {
  const { clientId: _c, publicKeyPem: _k, ...rest } = r;
  return { ...rest, labels: r.labels.map((l) => ({ ...l })) };
}
