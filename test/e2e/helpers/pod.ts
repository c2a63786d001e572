import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { BASE_IMAGE, docker, E2E_LABEL } from "./docker.ts";
import type { CommandResult } from "./run-command.ts";
import { waitUntil } from "./wait-until.ts";

/** The part of a Kubernetes PodSpec that actions-runner-controller's chart renders. */
export interface PodSpec {
  readonly securityContext?: SecurityContext;
  readonly restartPolicy?: string;
  readonly initContainers?: readonly ContainerSpec[];
  readonly containers: readonly ContainerSpec[];
  readonly volumes?: readonly VolumeSpec[];
}

interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly fsGroup?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[] };
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env?: readonly EnvVar[];
  readonly volumeMounts?: readonly { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  readonly securityContext?: SecurityContext;
  /** `Always` on an init container: a native sidecar (Kubernetes >= 1.29). */
  readonly restartPolicy?: string;
  readonly startupProbe?: { exec: { command: readonly string[] } };
}

interface VolumeSpec {
  readonly name: string;
  readonly emptyDir?: object;
  /** Stands for a PersistentVolumeClaim: an empty volume, as a fresh claim is. */
  readonly ephemeral?: object;
  readonly configMap?: { name: string; defaultMode?: number };
  readonly hostPath?: { path: string };
}

export interface PodOptions {
  /** metadata.name, which ARC gives the runner's pod and its hostname. */
  readonly name: string;
  /** The Docker network the pod joins (default: the default bridge). */
  readonly network?: string;
  /** Secret data, by secret name and key, for `secretKeyRef`. */
  readonly secrets?: Record<string, Record<string, string>>;
  /** ConfigMap data, by name and key: mounted as files. */
  readonly configMaps?: Record<string, Record<string, string>>;
}

export interface Pod {
  readonly name: string;
  /** Exit codes of the run-to-completion init containers. */
  readonly initExitCodes: Readonly<Record<string, number>>;
  /** The Docker container of a container or sidecar of the pod. */
  container(name: string): string;
  /** Waits for a container to exit; its exit code. */
  wait(name: string): Promise<number>;
  logs(name: string): Promise<string>;
  exec(name: string, command: readonly string[]): Promise<CommandResult>;
  /** `sh -c script` in a throwaway container that mounts the pod's volume `name` at /v (for after the pod). */
  inVolume(name: string, script: string): Promise<string>;
  /** A file of a container's own filesystem (also once it has exited). */
  readFile(container: string, path: string): Promise<string>;
}

let counter = 0;

/**
 * Runs a pod spec, written as the chart renders it (YAML or an object), with
 * the real Docker engine, as the kubelet would: one shared network namespace
 * and hostname (a pause container), volumes (emptyDir and claims start empty
 * and world-writable, fsGroup makes them group-owned and setgid; configMaps
 * are read-only files), the init containers one after the other (a sidecar
 * with `restartPolicy: Always` is started and its startupProbe awaited), then
 * every container at once. `privileged` is refused: this engine may not
 * grant it, so a test replaces such a container and says so. Everything is
 * removed at the end of the test.
 */
export async function runPod(t: { teardown(fn: () => unknown): void }, spec: PodSpec | string, opts: PodOptions): Promise<Pod> {
  const pod = (typeof spec === "string" ? parse(spec) : spec) as PodSpec;
  const prefix = `cie2e-${opts.name}-${process.pid}x${++counter}`;
  const containers: string[] = [];
  const volumes = new Map<string, string[]>();
  const hostDir = mkdtempSync(join(tmpdir(), "ci-runner-pod-"));
  const dockerVolumes: string[] = [];
  t.teardown(async () => {
    if (containers.length) await docker(["rm", "-f", "-v", ...containers], { check: false });
    if (dockerVolumes.length) await docker(["volume", "rm", "-f", ...dockerVolumes], { check: false });
    rmSync(hostDir, { recursive: true, force: true });
  });

  for (const v of pod.volumes ?? []) {
    if (v.emptyDir || v.ephemeral) {
      const name = `${prefix}-${v.name}`;
      await docker(["volume", "create", "--label", E2E_LABEL, name]);
      dockerVolumes.push(name);
      volumes.set(v.name, ["volume", name]);
    } else if (v.configMap) {
      const dir = join(hostDir, v.name);
      mkdirSync(dir, { mode: 0o755 });
      for (const [key, text] of Object.entries(opts.configMaps?.[v.configMap.name] ?? {})) {
        writeFileSync(join(dir, key), text);
        chmodSync(join(dir, key), v.configMap.defaultMode ?? 0o644);
      }
      volumes.set(v.name, ["bind", dir, "ro"]);
    } else if (v.hostPath) {
      volumes.set(v.name, ["bind", v.hostPath.path]);
    } else {
      throw new Error(`volume ${v.name}: only emptyDir, ephemeral, configMap and hostPath are modelled`);
    }
  }
  // The kubelet makes emptyDir 0777; fsGroup then owns the volume, group-writable and setgid.
  if (dockerVolumes.length) {
    const group = pod.securityContext?.fsGroup;
    const mounts = dockerVolumes.flatMap((v, i) => ["--mount", `type=volume,src=${v},dst=/v/${i}`]);
    const fix = group === undefined ? "chmod 0777 /v/*" : `chgrp ${group} /v/* && chmod 2777 /v/*`;
    await docker(["run", "--rm", "--label", E2E_LABEL, "--network", "none", ...mounts, BASE_IMAGE, "sh", "-c", fix]);
  }

  async function start(runArgs: string[], image: string, rest: readonly string[]): Promise<string> {
    const id = (await docker(["run", "-d", "--label", E2E_LABEL, ...runArgs, image, ...rest])).stdout.trim();
    containers.push(id);
    return id;
  }
  // The pod's network namespace, hostname and /etc/hosts, which its containers join.
  const pauseArgs = ["--name", prefix, "--hostname", opts.name, "--add-host", "host.docker.internal:host-gateway", ...(opts.network ? ["--network", opts.network] : [])];
  const pause = await start(pauseArgs, BASE_IMAGE, ["sleep", "infinity"]);

  async function argsFor(c: ContainerSpec): Promise<{ runArgs: string[]; rest: string[] }> {
    const env = new Map<string, string>();
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env.set(e.name, opts.name);
      else if (ref) env.set(e.name, opts.secrets?.[ref.name]?.[ref.key] ?? "");
      else env.set(e.name, expand(e.value ?? "", env));
    }
    const sc = { ...pod.securityContext, ...c.securityContext };
    if (sc.privileged) throw new Error(`container ${c.name}: privileged is not available on this engine; replace the container in the test`);
    const runArgs = ["--name", `${prefix}-${c.name}`, "--network", `container:${pause}`];
    for (const [k, v] of env) runArgs.push("-e", `${k}=${v}`);
    if (sc.runAsUser !== undefined) runArgs.push("--user", sc.runAsGroup === undefined ? `${sc.runAsUser}` : `${sc.runAsUser}:${sc.runAsGroup}`);
    if (sc.runAsNonRoot && sc.runAsUser === undefined) await refuseRootImage(c);
    if (sc.runAsNonRoot && sc.runAsUser === 0) throw new Error(`container ${c.name}: container's runAsUser breaks non-root policy`);
    if (pod.securityContext?.fsGroup !== undefined) runArgs.push("--group-add", `${pod.securityContext.fsGroup}`);
    if (sc.allowPrivilegeEscalation === false) runArgs.push("--security-opt", "no-new-privileges");
    for (const cap of sc.capabilities?.drop ?? []) runArgs.push("--cap-drop", cap);
    if (c.workingDir) runArgs.push("-w", c.workingDir);
    for (const m of c.volumeMounts ?? []) {
      const [kind, src, ro] = volumes.get(m.name) ?? [];
      if (!kind || !src) throw new Error(`container ${c.name}: no volume ${m.name}`);
      if (m.subPath && kind !== "bind") throw new Error(`container ${c.name}: subPath is modelled for configMap and hostPath volumes only`);
      // volume-nocopy: Kubernetes never copies the image's files into a volume.
      const source = m.subPath ? `${src}/${m.subPath}` : src;
      const extra = kind === "volume" ? ",volume-nocopy" : "";
      runArgs.push("--mount", `type=${kind},src=${source},dst=${m.mountPath}${extra}${ro || m.readOnly ? ",readonly" : ""}`);
    }
    const command = (c.command ?? []).map((s) => expand(s, env));
    const args = (c.args ?? []).map((s) => expand(s, env));
    if (command.length) runArgs.push("--entrypoint", command[0] as string);
    return { runArgs, rest: [...command.slice(1), ...args] };
  }

  const initExitCodes: Record<string, number> = {};
  const byName = new Map<string, string>();
  for (const c of pod.initContainers ?? []) {
    const { runArgs, rest } = await argsFor(c);
    const id = await start(runArgs, c.image, rest);
    byName.set(c.name, id);
    if (c.restartPolicy === "Always") {
      const probe = c.startupProbe?.exec.command;
      if (probe) await waitUntil(`sidecar ${c.name} started`, async () => (await docker(["exec", id, ...probe], { check: false })).code === 0, { timeoutMs: 120_000 });
      continue;
    }
    const code = Number((await docker(["wait", id])).stdout.trim());
    initExitCodes[c.name] = code;
    if (code !== 0) throw new Error(`init container ${c.name} exited ${code}: ${(await logsOf(id)).slice(-2000)}`);
  }
  const started = await Promise.all(pod.containers.map(async (c) => [c.name, await argsFor(c).then(({ runArgs, rest }) => start(runArgs, c.image, rest))] as const));
  for (const [name, id] of started) byName.set(name, id);

  const idOf = (name: string): string => {
    const id = byName.get(name);
    if (!id) throw new Error(`no container ${name} in pod ${opts.name}`);
    return id;
  };
  return {
    name: opts.name,
    initExitCodes,
    container: idOf,
    wait: async (name) => Number((await docker(["wait", idOf(name)], { timeoutMs: 600_000 })).stdout.trim()),
    logs: (name) => logsOf(idOf(name)),
    exec: (name, command) => docker(["exec", idOf(name), ...command], { check: false }),
    async inVolume(name, script) {
      const [, src] = volumes.get(name) ?? [];
      if (!src) throw new Error(`no volume ${name} in pod ${opts.name}`);
      return (await docker(["run", "--rm", "--label", E2E_LABEL, "--network", "none", "--mount", `type=volume,src=${src},dst=/v`, BASE_IMAGE, "sh", "-c", script])).stdout;
    },
    async readFile(container, path) {
      const dir = mkdtempSync(join(hostDir, "cp-"));
      await docker(["cp", `${idOf(container)}:${path}`, join(dir, "file")]);
      return readFileSync(join(dir, "file"), "utf8");
    },
  };
}

/** Kubernetes' `$(VAR)` expansion in env values, command and args. */
function expand(s: string, env: ReadonlyMap<string, string>): string {
  return s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => env.get(name) ?? all);
}

/** The kubelet's runAsNonRoot check of an image's USER when the pod names no uid. */
async function refuseRootImage(c: ContainerSpec): Promise<void> {
  const user = (await docker(["image", "inspect", "-f", "{{.Config.User}}", c.image])).stdout.trim().split(":")[0] ?? "";
  if (user === "" || user === "0" || user === "root") throw new Error(`container ${c.name}: container has runAsNonRoot and image will run as root`);
  if (!/^\d+$/.test(user)) throw new Error(`container ${c.name}: container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root`);
}

async function logsOf(id: string): Promise<string> {
  const r = await docker(["logs", id], { check: false });
  return r.stdout + r.stderr;
}
