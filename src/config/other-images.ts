/** A runner image whose env files ci-runner reads: every variable it takes, for README and the tests. */
export interface OtherImage {
  readonly key: string;
  /** How README names it. */
  readonly title: string;
  /** Each is a ci-runner variable of the same name or an alias (alias-table.ts); a test keeps it so. */
  readonly vars: readonly string[];
  /** Where a variable of the same name behaves differently here. */
  readonly notes?: Readonly<Record<string, string>>;
}

export const OTHER_IMAGES: readonly OtherImage[] = [
  {
    key: "myoung34",
    title: "myoung34/docker-github-actions-runner",
    // entrypoint.sh, token.sh, app_token.sh and the README of runner 2.336.0's release.
    vars: [
      "RUN_AS_ROOT", "RUNNER_NAME", "RUNNER_NAME_PREFIX", "RANDOM_RUNNER_SUFFIX", "ACCESS_TOKEN", "APP_ID", "APP_PRIVATE_KEY", "APP_LOGIN",
      "RUNNER_SCOPE", "ORG_NAME", "ENTERPRISE_NAME", "ORG_RUNNER", "LABELS", "RUNNER_LABELS", "REPO_URL", "RUNNER_TOKEN", "RUNNER_WORKDIR",
      "RUNNER_WORKDIR_ROOT", "RUNNER_GROUP", "GITHUB_HOST", "GITHUB_API_HOST", "GITHUB_API_PATH", "DISABLE_AUTOMATIC_DEREGISTRATION",
      "CONFIGURED_ACTIONS_RUNNER_FILES_DIR", "EPHEMERAL", "DISABLE_AUTO_UPDATE", "START_DOCKER_SERVICE", "NO_DEFAULT_LABELS", "DEBUG_ONLY",
      "DEBUG_OUTPUT", "UNSET_CONFIG_VARS",
    ],
    notes: {
      RUNNER_NAME: "the same",
      RUNNER_NAME_PREFIX: "the same, default `ci-runner` (there `github-runner`); the name ends with the host id, stable across restarts, unless `RANDOM_RUNNER_SUFFIX=true`",
      RUNNER_GROUP: "the same; a repository has only `Default`, so another group with `REPO_URL` is exit 78 (config.sh would fail on it)",
      RUNNER_LABELS: "`GH_LABELS`; beside a different `LABELS` it is exit 78 (there it wins)",
    },
  },
  {
    key: "arc",
    title: "summerwind/actions-runner (actions-runner-controller's runner image)",
    vars: [
      "GITHUB_URL", "RUNNER_NAME", "RUNNER_ORG", "RUNNER_REPO", "RUNNER_ENTERPRISE", "RUNNER_TOKEN", "RUNNER_GROUP", "RUNNER_GROUPS", "RUNNER_LABELS",
      "RUNNER_WORKDIR", "RUNNER_EPHEMERAL", "RUNNER_FEATURE_FLAG_ONCE", "DISABLE_RUNNER_UPDATE", "STARTUP_DELAY_IN_SECONDS", "DOCKER_ENABLED",
      "DISABLE_WAIT_FOR_DOCKER", "RUNNER_HOME", "RUNNER_ASSETS_DIR", "MTU", "DOCKER_REGISTRY_MIRROR", "DOCKER_DEFAULT_ADDRESS_POOL_BASE",
      "DOCKER_DEFAULT_ADDRESS_POOL_SIZE",
    ],
  },
  { key: "seed 001", title: "xeptore/runner", vars: ["ACCESS_TOKEN", "REPO"] },
  { key: "seed 002", title: "github-runner-docker", vars: ["GITHUB_ACCESS_TOKEN", "RUNNER_TOKEN", "RUNNER_REPOSITORY_URL", "RUNNER_ORGANIZATION_URL"] },
  { key: "seed 004", title: "gh-runner-docker", vars: ["GITHUB_URL", "GITHUB_TOKEN", "RUNNER_LABELS", "RUNNER_WORKDIR", "RUNNER_NAME_PREFIX", "RUNNER_GROUP"] },
];
