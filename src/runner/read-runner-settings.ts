import { readFileSync } from "node:fs";

export interface RunnerSettings {
  readonly agentId: number;
  readonly agentName: string;
  /** The scope's URL config.sh registered at (`--url`). */
  readonly gitHubUrl?: string;
}

/** Reads `<runner dir>/.runner` (JSON with a UTF-8 BOM, written by config.sh); undefined when absent or unreadable. */
export function readRunnerSettings(runnerDir: string): RunnerSettings | undefined {
  try {
    const text = readFileSync(`${runnerDir}/.runner`, "utf8").replace(/^\uFEFF/, "");
    const json = JSON.parse(text) as { agentId?: unknown; agentName?: unknown; gitHubUrl?: unknown };
    const agentId = Number(json.agentId);
    if (!Number.isSafeInteger(agentId) || typeof json.agentName !== "string") return undefined;
    return { agentId, agentName: json.agentName, ...(typeof json.gitHubUrl === "string" ? { gitHubUrl: json.gitHubUrl } : {}) };
  } catch {
    return undefined;
  }
}
