/** The runner's default work folder (config.sh's `--work` default), relative to its root. */
const DEFAULT_WORK_FOLDER = "_work";

/** What the supervisor reads from a JIT config's `.runner` file. */
export interface JitRunnerSettings {
  readonly agentName: string | undefined;
  readonly agentId: number | undefined;
  /** ARC takes it from the runner container's `workingDir`; GitHub otherwise fills in the default. */
  readonly workFolder: string;
}

/**
 * The `.runner` settings inside a JIT config (base64 of `{".runner":
 * base64(BOM + JSON), ...}`). What cannot be read counts as absent, and the
 * work folder then as the default: the runner reports a broken config itself.
 */
export function jitRunnerSettings(encoded: string): JitRunnerSettings {
  let json: { agentName?: unknown; agentId?: unknown; workFolder?: unknown } = {};
  try {
    const files = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Record<string, unknown>;
    const runner = files[".runner"];
    if (typeof runner === "string") json = JSON.parse(Buffer.from(runner, "base64").toString("utf8").replace(/^\uFEFF/, "")) as typeof json;
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
