import { readFileSync } from "node:fs";

/** The runner's default work folder (config.sh's `--work` default), relative to its root. */
const DEFAULT_WORK_FOLDER = "_work";

type SettingsJson = { agentId?: unknown; agentName?: unknown; gitHubUrl?: unknown; workFolder?: unknown };

/** A `.runner` file's JSON: config.sh writes it with a UTF-8 BOM. */
function parseSettings(text: string): SettingsJson {
  return JSON.parse(text.replace(/^\uFEFF/, "")) as SettingsJson;
}

export interface RunnerSettings {
  readonly agentId: number;
  readonly agentName: string;
  /** The scope's URL config.sh registered at (`--url`). */
  readonly gitHubUrl?: string;
}

/** Reads `<runner dir>/.runner`; undefined when absent or unreadable. */
export function readRunnerSettings(runnerDir: string): RunnerSettings | undefined {
  try {
    const json = parseSettings(readFileSync(`${runnerDir}/.runner`, "utf8"));
    const agentId = Number(json.agentId);
    if (!Number.isSafeInteger(agentId) || typeof json.agentName !== "string") return undefined;
    return { agentId, agentName: json.agentName, ...(typeof json.gitHubUrl === "string" ? { gitHubUrl: json.gitHubUrl } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The files of a JIT config: base64 of a JSON object (`{".runner": base64, ...}`), as the runner decodes it
 * (standard base64, whitespace allowed); undefined when it is not one.
 */
export function decodeJitConfig(encoded: string): Record<string, unknown> | undefined {
  const b64 = encoded.replace(/\s+/g, "");
  if (b64 === "" || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  try {
    const files: unknown = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
    return files !== null && typeof files === "object" && !Array.isArray(files) ? (files as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `.runner` settings inside a JIT config (`.runner` is base64(BOM + JSON); ARC takes the work folder from the
 * runner container's `workingDir`). What cannot be read counts as absent, the work folder then as the default.
 */
export function jitRunnerSettings(encoded: string): { agentName: string | undefined; agentId: number | undefined; workFolder: string } {
  let json: SettingsJson = {};
  try {
    const runner = decodeJitConfig(encoded)?.[".runner"];
    if (typeof runner === "string") json = parseSettings(Buffer.from(runner, "base64").toString("utf8"));
  } catch {
    // unreadable: defaults
  }
  const id = Number(json.agentId);
  return {
    agentName: typeof json.agentName === "string" && json.agentName !== "" ? json.agentName : undefined,
    agentId: Number.isSafeInteger(id) && id > 0 ? id : undefined,
    workFolder: typeof json.workFolder === "string" && json.workFolder !== "" ? json.workFolder : DEFAULT_WORK_FOLDER,
  };
}
