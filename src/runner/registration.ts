import type { Config } from "../config/load-config.ts";
import type { DeleteResult, RunnerApi } from "../github/runner-api.ts";
import type { Logger } from "../log/logger.ts";
import { runConfigSh } from "./run-config-sh.ts";

/** "refused": the credential cannot remove runners at all; retrying will not help. */
export type RemoveResult = DeleteResult | "refused";

/** A registration the supervisor created and must remove. */
export interface Registration {
  readonly name: string;
  /** One removal attempt: "busy" while GitHub says a job runs. */
  tryRemove(signal: AbortSignal): Promise<RemoveResult>;
}

/** Removal through the REST API: DELETE by id, or by name when config.sh was interrupted before it wrote `.runner`. */
export function apiRegistration(api: RunnerApi, name: string, id: () => number | undefined): Registration {
  return {
    name,
    async tryRemove(signal) {
      const known = id();
      const ids = known !== undefined ? [known] : (await api.findByName(name, signal)).map((r) => r.id);
      let result: DeleteResult = "gone";
      for (const each of ids) {
        const r = await api.delete(each, signal);
        if (r === "busy") result = "busy";
        else if (r === "deleted" && result === "gone") result = "deleted";
      }
      return result;
    },
  };
}

/**
 * Removal with a ready registration token (GH_RUNNER_TOKEN): `config.sh remove`. GitHub wants a remove token
 * there and answers 404 to a registration token (or an expired one): "refused".
 */
export function configShRegistration(config: Config, log: Logger, name: string, token: string): Registration {
  return {
    name,
    async tryRemove(signal) {
      const { code, lines } = await runConfigSh(config, log, ["remove", "--unattended"], token, new Map(), signal);
      const text = lines.join("\n");
      if (code === 0) return "deleted";
      if (/still running a job/i.test(text)) return "busy";
      if (/not configured|does not exist|no longer exists/i.test(text)) return "gone";
      if (/NotFound|404/.test(text)) return "refused";
      throw new Error(`config.sh remove failed with exit code ${code}: ${lines.at(-1) ?? "no output"} (GH_RUNNER_TOKEN may have expired: it is valid one hour)`);
    },
  };
}
