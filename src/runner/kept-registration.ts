import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { Config } from "../config/load-config.ts";
import { makeDirs } from "../fs/make-dirs.ts";
import { readUserFile, writeOwnedFile } from "../warmstart/owned-file.ts";
import { readRunnerSettings, type RunnerSettings } from "./runner-settings.ts";

/** A registration's files in the runner directory; config.sh refuses to run while an earlier life's `.runner` exists. */
const REGISTRATION_FILES = [".runner", ".credentials", ".credentials_rsaparams"] as const;

/** Removes them; returns the names that existed (restart after a crash or SIGKILL). */
export function clearStaleConfig(runnerDir: string): string[] {
  const removed: string[] = [];
  for (const name of REGISTRATION_FILES) {
    try {
      rmSync(`${runnerDir}/${name}`);
      removed.push(name);
    } catch {
      // absent: nothing to clear
    }
  }
  return removed;
}

/** The runner's registration files are a few kB; anything bigger is not one. */
const REGISTRATION_FILE_MAX_BYTES = 1024 * 1024;

/** Beside the runner's files: what the registration was made for. */
const SETTINGS_FILE = ".ci-runner-registration.json";

/** What a registration was made with; a kept one made with other values is made anew. */
function registrationSettings(config: Config): Record<string, unknown> {
  return {
    [config.scope?.variable ?? "scope"]: config.scope?.url,
    GH_LABELS: config.GH_LABELS ?? [],
    RUNNER_NO_DEFAULT_LABELS: config.RUNNER_NO_DEFAULT_LABELS,
    RUNNER_GROUP: config.RUNNER_GROUP ?? "",
    RUNNER_EPHEMERAL: config.RUNNER_EPHEMERAL,
    RUNNER_NAME: config.RUNNER_NAME ?? `${config.RUNNER_NAME_PREFIX}-*`,
  };
}

export type KeptRegistration =
  | { readonly kind: "none" }
  | { readonly kind: "kept"; readonly settings: RunnerSettings }
  /** Kept, but made for other settings: the variables that differ. */
  | { readonly kind: "changed"; readonly settings: RunnerSettings; readonly changed: readonly string[] };

/**
 * The registration kept in RUNNER_REGISTRATION_DIR, if any. Files kept by
 * myoung34's image (CONFIGURED_ACTIONS_RUNNER_FILES_DIR) have no settings
 * file of ours: only their scope URL is compared.
 */
export function readKeptRegistration(config: Config): KeptRegistration {
  const dir = config.RUNNER_REGISTRATION_DIR;
  if (dir === undefined || !REGISTRATION_FILES.every((f) => existsSync(`${dir}/${f}`))) return { kind: "none" };
  const settings = readRunnerSettings(dir);
  if (!settings) return { kind: "none" };
  let made: Record<string, unknown> | undefined;
  try {
    made = JSON.parse(readFileSync(`${dir}/${SETTINGS_FILE}`, "utf8")) as Record<string, unknown>;
  } catch {
    // none: files kept by myoung34's image
  }
  const now = registrationSettings(config);
  const changed = made
    ? Object.keys(now).filter((k) => JSON.stringify(made[k]) !== JSON.stringify(now[k]))
    : settings.gitHubUrl !== undefined && settings.gitHubUrl !== config.scope?.url
      ? [config.scope?.variable ?? "scope"]
      : [];
  return changed.length ? { kind: "changed", settings, changed } : { kind: "kept", settings };
}

/**
 * Copies the kept files into the runner directory, for the runner user, the work folder WORK_DIR (the container may
 * have changed). Written as new files (writeOwnedFile): the runner directory is the runner user's, and a job may have
 * left a symlink at one of these names for root to write through.
 */
export function restoreKeptRegistration(config: Config): void {
  const dir = config.RUNNER_REGISTRATION_DIR as string;
  for (const f of REGISTRATION_FILES) {
    const from = `${dir}/${f}`;
    let content: Uint8Array = readFileSync(from);
    if (f === ".runner") {
      const json = JSON.parse(content.toString().replace(/^\uFEFF/, "")) as { workFolder?: string };
      if (json.workFolder !== config.WORK_DIR) content = Buffer.from("\uFEFF" + JSON.stringify({ ...json, workFolder: config.WORK_DIR }, null, 2));
    }
    writeOwnedFile(`${config.runnerDir}/${f}`, content, config.runnerUser, statSync(from).mode & 0o777);
  }
}

/** Copies the runner directory's registration into RUNNER_REGISTRATION_DIR (mode 700: it holds the runner's key). */
export function keepRegistration(config: Config): void {
  const dir = config.RUNNER_REGISTRATION_DIR as string;
  makeDirs(dir, 0o700);
  // The runner directory is the runner user's: a job may have left a symlink or a FIFO at one of these names.
  for (const f of REGISTRATION_FILES) writeFileSync(`${dir}/${f}`, readUserFile(`${config.runnerDir}/${f}`, REGISTRATION_FILE_MAX_BYTES), { mode: 0o600 });
  writeFileSync(`${dir}/${SETTINGS_FILE}`, JSON.stringify(registrationSettings(config), null, 2) + "\n", { mode: 0o600 });
}

/** Removes the kept registration (it is gone from GitHub); returns whether there was one. */
export function forgetKeptRegistration(config: Config): boolean {
  const dir = config.RUNNER_REGISTRATION_DIR as string;
  const removed = clearStaleConfig(dir);
  rmSync(`${dir}/${SETTINGS_FILE}`, { force: true });
  return removed.length > 0;
}
