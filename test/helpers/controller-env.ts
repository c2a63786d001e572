import { join } from "node:path";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";

/** The webhook secret of the controllers under test. */
export const WEBHOOK_SECRET = "test-webhook-secret-0123456789";

/**
 * A complete `ci-runner controller` environment against a fake GitHub at
 * `ghUrl`: its PAT, `repository`, runners labelled `label`, state in
 * `dataDir`, any free port; `extra` wins.
 */
export function controllerEnv(o: { ghUrl: string; repository: string; label: string; dataDir: string; image: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GH_URL: o.ghUrl,
    GH_TOKEN: FAKE_PAT,
    GH_REPOSITORY: o.repository,
    GH_LABELS: o.label,
    WEBHOOK_SECRET,
    WEBHOOK_PORT: "0",
    DATA_DIR: o.dataDir,
    CI_RUNNER_SECRETS_DIR: join(o.dataDir, "no-secrets"),
    CI_RUNNER_STATE_FILE: join(o.dataDir, "state.json"),
    RUNNER_IMAGE: o.image,
    ...extra,
  };
}
