import { parseForwardHosts, parseForwardPorts } from "./parse-forward.ts";
import { parseStorageHost } from "./parse-storage-host.ts";
import { parseVolumes } from "./parse-volumes.ts";
import { sshPrivateKey } from "./private-key.ts";
import { timeZone } from "./time-zone.ts";
import { absolutePath, commaList, flag, httpUrl, integer, pattern, serverUrl, text, token, type Rule } from "./rules.ts";

/** One environment variable: the single source for parsing, validation, `ci-runner config` and README's table. */
export interface VarSpec<T> {
  readonly doc: string;
  readonly rule: Rule<T>;
  /** Used when the variable is unset or empty. Absent: the value is `undefined`. */
  readonly default?: string;
  /** Also read from `$CI_RUNNER_SECRETS_DIR/<NAME>` (default /run/secrets); never printed. */
  readonly secret?: boolean;
  /** Not a secret (not masked), but kept out of hooks', the runner's and jobs' environments like one. */
  readonly hidden?: boolean;
}

// Identity with a precise type: keeps each entry's literal `default`/`required` for VarValue.
function v<const S extends VarSpec<unknown>>(spec: S): S {
  return spec;
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const USER = /^[a-z_][a-z0-9_-]*\$?$/;
// [registry[:port]/]path[:tag][@digest], lower-case path as Docker wants it.
const IMAGE = /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

export const VARS = {
  GH_REPOSITORY: v({ doc: "scope (exactly one of three): the repository this runner serves, owner/repo", rule: pattern(REPO, "owner/repo") }),
  GH_ORG: v({ doc: "scope: the organization this runner serves", rule: pattern(LOGIN, "an organization login") }),
  GH_ENTERPRISE: v({ doc: "scope: the enterprise (slug) this runner serves", rule: pattern(LOGIN, "an enterprise slug") }),
  GH_TOKEN: v({ doc: "credential (exactly one kind): PAT, classic or fine-grained, used to get registration tokens and to deregister", rule: token, secret: true }),
  GH_APP_ID: v({ doc: "credential: GitHub App id (with GH_APP_PRIVATE_KEY); an installation token is reused until ten minutes before its expiry, then made anew", rule: integer(1), hidden: true }),
  GH_APP_PRIVATE_KEY: v({ doc: "the GitHub App's private key (PEM)", rule: text, secret: true }),
  GH_APP_INSTALLATION_ID: v({ doc: "the App's installation id (default: looked up for the scope)", rule: integer(1), hidden: true }),
  GH_RUNNER_TOKEN: v({ doc: "credential: a ready registration token (valid one hour; deregistration then uses `config.sh remove` with it)", rule: token, secret: true }),
  ACTIONS_RUNNER_INPUT_JITCONFIG: v({ doc: "credential: a pre-issued JIT config (as actions-runner-controller passes it); nothing is registered by ci-runner", rule: text, secret: true }),
  GH_LABELS: v({ doc: "comma-separated labels added to this runner (required unless a pre-issued JIT config is given)", rule: commaList }),
  GH_URL: v({ doc: "GitHub URL, the root URL without a path: github.com, SUBDOMAIN.ghe.com (GitHub Enterprise Cloud with data residency, API at api.SUBDOMAIN.ghe.com), any other host is GitHub Enterprise Server (API at /api/v3)", rule: serverUrl, default: "https://github.com" }),
  GH_API_URL: v({ doc: "REST API base URL, for a layout GH_URL does not imply (default: derived from GH_URL as above)", rule: httpUrl }),
  RUNNER_EPHEMERAL: v({ doc: "1: one job per container (`config.sh --ephemeral`), then exit 0", rule: flag, default: "0" }),
  RUNNER_JIT: v({ doc: "1: register through generate-jitconfig (no config.sh, no registration token); one job, then exit 0", rule: flag, default: "0" }),
  RUNNER_NO_DEFAULT_LABELS: v({ doc: "1: pass --no-default-labels (only GH_LABELS)", rule: flag, default: "0" }),
  RUNNER_REGISTRATION_DIR: v({ doc: "directory (a volume) that keeps the runner's registration (.runner, .credentials, .credentials_rsaparams): a restarted container resumes it, with no registration token and no config.sh", rule: absolutePath }),
  RUNNER_KEEP_REGISTRATION: v({ doc: "1: a stop leaves the registration on GitHub instead of deregistering (with RUNNER_REGISTRATION_DIR, the next start resumes it); the offline cleanup is then off unless RUNNER_GC_OFFLINE is set", rule: flag, default: "0" }),
  RUNNER_GC_OFFLINE: v({ doc: "1: delete registrations of our pool (RUNNER_NAME_PREFIX and the same labels) that stay offline, never a busy or online one (one runner of the pool does it; needs GH_TOKEN or an App); 0: never", rule: flag, default: "1" }),
  GC_OFFLINE_AFTER_SEC: v({ doc: "a runner offline in two looks this far apart is deleted by RUNNER_GC_OFFLINE (default 300, plus CI_STORAGE_LOAD_TIMEOUT_SEC with CI_STORAGE_HOST and plus RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, since a runner is registered before its warm start and its Docker wait end)", rule: integer(5) }),
  TZ: v({ doc: "time zone (tzdata name) of logs, hooks and the runner; also turns on the periodic work dir report", rule: timeZone() }),
  WORKDIR_REPORT_INTERVAL_SEC: v({ doc: "with TZ set: seconds between log lines about the work dir (filesystem, space, size) and the load average", rule: integer(1, 86400), default: "60" }),
  GIT_CREDENTIAL_HELPER: v({ doc: "git credential helper named in the runner user's ~/.gitconfig for github.com and GH_URL's host: answers with the calling job step's GITHUB_TOKEN or GH_TOKEN", rule: absolutePath, default: "/usr/local/bin/git-credential-ci-runner" }),
  FORWARD_HOST: v({ doc: "space-separated hosts that FORWARD_PORTS go to: the first is the primary, the rest backups", rule: parseForwardHosts }),
  FORWARD_PORTS: v({ doc: "space-separated ports forwarded from 127.0.0.1: N, N/tcp, N/udp, N/tcp-backup", rule: parseForwardPorts }),
  FORWARD_CHECK_INTERVAL_SEC: v({ doc: "seconds between health checks of forward servers", rule: integer(1, 3600), default: "10" }),
  FORWARD_THREADS: v({ doc: "threads that relay forwarded TCP connections. One relays four bulk streams faster than haproxy on two (splice(2)); more spread transfers over cores for loads one core cannot move (a further thread starts only when every running one relays a connection, and costs about 10 MiB of memory with Node 20, 18 MiB with Node 24; see Port forwarding)", rule: integer(1, 8), default: "1" }),
  CI_STORAGE_HOST: v({ doc: "[user@]host[:port] the boot-time ci-storage load pulls from", rule: parseStorageHost }),
  CI_STORAGE_PRIVATE_KEY: v({ doc: "SSH private key for CI_STORAGE_HOST", rule: sshPrivateKey, secret: true }),
  CI_STORAGE_DIR: v({ doc: "storage root on CI_STORAGE_HOST (the ci-storage action's storage-dir)", rule: absolutePath, default: "/mnt" }),
  CI_STORAGE_LOAD_TIMEOUT_SEC: v({ doc: "give up the boot-time load after this many seconds and start cold", rule: integer(1), default: "600" }),
  BTIME: v({ doc: "host boot time, epoch seconds: enables the periodic uptime line (instance, container and runner boot and uptime)", rule: integer(0) }),
  UPTIME_REPORT_INTERVAL_SEC: v({ doc: "seconds between uptime lines when BTIME is set", rule: integer(1), default: "60" }),
  DEBUG_SHUTDOWN_DELAY_SEC: v({ doc: "debug: pause this many seconds at shutdown before deregistering", rule: integer(0), default: "0" }),
  SHUTDOWN_TIMEOUT_SEC: v({ doc: "after this many seconds of draining, cancel the running job and deregister (0: wait for the job)", rule: integer(0), default: "0" }),
  RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: v({ doc: "the runner starts once `docker ps` as RUNNER_USER succeeds (a dind sidecar's socket; actions-runner-controller's dind mode sets 120), or after this many seconds with one line; 0: no wait", rule: integer(0, 86400), default: "0" }),
  DIND: v({ doc: "1: start Docker-in-Docker at boot (built-in root hook; needs --privileged or the sysbox runtime, else a warning and no Docker)", rule: flag, default: "0" }),
  RUNNER_UPDATE_AT_BOOT: v({ doc: "1: at boot, replace an installed runner older than RUNNER_UPDATE_MAX_AGE_DAYS with the latest release (cached in CACHE_DIR, SHA-256 checked); never mid-job", rule: flag, default: "0" }),
  RUNNER_UPDATE_MAX_AGE_DAYS: v({ doc: "age (days, from the runner's file dates) from which RUNNER_UPDATE_AT_BOOT looks for a newer release", rule: integer(0), default: "21" }),
  RUNNER_RELEASES_URL: v({ doc: "where RUNNER_UPDATE_AT_BOOT finds the latest actions/runner release (GitHub's releases API JSON)", rule: httpUrl, default: "https://api.github.com/repos/actions/runner/releases/latest" }),
  RUNNER_NAME: v({ doc: "runner name (default RUNNER_NAME_PREFIX-<host id>)", rule: pattern(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/, "1-64 chars of A-Z a-z 0-9 _ . -, not first a - (config.sh would read it as an option)") }),
  RUNNER_NAME_PREFIX: v({ doc: "prefix of generated runner names", rule: pattern(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,39}$/, "1-40 chars of A-Z a-z 0-9 _ . -, not first a - (config.sh would read it as an option)"), default: "ci-runner" }),
  RUNNER_NAME_RANDOM_SUFFIX: v({ doc: "1: generated names end with a random suffix, new at every start, instead of the host id (one-job runners always get one)", rule: flag, default: "0" }),
  RUNNER_GROUP: v({ doc: "runner group name (GH_ORG or GH_ENTERPRISE; a repository has only Default)", rule: text }),
  RUNNER_USER: v({ doc: "unprivileged user that runs the runner and guest hooks", rule: pattern(USER, "a user name"), default: "guest" }),
  RUNNER_DIR: v({ doc: "runner installation directory (default /home/runner, the runner's root in the image, as in actions/runner's own image)", rule: absolutePath }),
  WORK_DIR: v({ doc: "work directory of jobs (tmpfs encouraged), a directory of its own: a cold start empties it, so one holding RUNNER_DIR, CACHE_DIR, the hooks or the state is exit 78; with a pre-issued JIT config the runner works in the config's work folder instead (actions-runner-controller: /home/runner/_work, or the runner container's workingDir)", rule: absolutePath, default: "/mnt" }),
  CACHE_DIR: v({ doc: "cache that survives container restarts", rule: absolutePath, default: "/var/cache/ci-storage" }),
  ROOT_HOOKS_DIR: v({ doc: "directory of entrypoint.*.sh run as root", rule: absolutePath, default: "/root" }),
  GUEST_HOOKS_DIR: v({ doc: "directory of entrypoint.*.sh run as RUNNER_USER (default its home)", rule: absolutePath }),
  SPOT_WATCH: v({ doc: "1: watch the EC2 spot interruption notice (IMDSv2, every 2 s) and drain when one comes", rule: flag, default: "0" }),
  AWS_EC2_METADATA_SERVICE_ENDPOINT: v({ doc: "the instance metadata service SPOT_WATCH reads (the AWS SDKs' variable)", rule: httpUrl, default: "http://169.254.169.254" }),
  CLOUDWATCH_METRICS: v({ doc: "1: publish fleet counts (ActiveRunnersPercent, ...) and, with BTIME, uptime metrics to CloudWatch; AWS credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the instance role", rule: flag, default: "0" }),
  CLOUDWATCH_NAMESPACE: v({ doc: "CloudWatch namespace of the metrics", rule: pattern(/^[^:].{0,254}$/, "a CloudWatch namespace"), default: "ci-storage/metrics" }),
  METRICS_INTERVAL_SEC: v({ doc: "seconds between CloudWatch publishes", rule: integer(1), default: "60" }),
  // Not validated: jobs may use AWS_REGION for their own purposes (a local S3 stand-in, ...).
  AWS_REGION: v({ doc: "AWS region of CLOUDWATCH_METRICS (required with it)", rule: text }),
  AWS_ENDPOINT_URL_CLOUDWATCH: v({ doc: "CloudWatch endpoint (default https://monitoring.<region>.amazonaws.com; the AWS SDKs' variable)", rule: httpUrl }),
  HIDE_CONFIG_FROM_JOBS: v({ doc: "1: ci-runner's own variables (this table but TZ and the AWS SDKs' names) and the other images' names are kept out of the runner's and jobs' environments too (secrets always are)", rule: flag, default: "0" }),
  CI_RUNNER_DRY_RUN: v({ doc: "1: print the configuration (as `ci-runner config`) and exit 0: nothing runs and nothing is registered", rule: flag, default: "0" }),
  CI_RUNNER_PRINT_CONFIG: v({ doc: "1: print the configuration at boot, then run", rule: flag, default: "0" }),
  WEBHOOK_SECRET: v({ doc: "controller: the secret of the GitHub webhook (required unless WEBHOOK_HOST is set: then generated once, 32 random bytes, and kept in DATA_DIR/secrets/default, mode 0600; with REPOS_CONFIG_FILE, the secret of each entry without its webhook_secret_file, else generated per entry into DATA_DIR/secrets/{id}); deliveries not signed with it get 401", rule: token, secret: true }),
  REPOS_CONFIG_FILE: v({ doc: "controller: a JSON file of many repositories and organizations (seed 004's repos.json), each served on /webhook/{id} with its own credential, secret, labels, cap and image; replaces GH_REPOSITORY, GH_ORG and GH_ENTERPRISE; re-read on SIGHUP and when it changes (README \"Many repositories\")", rule: absolutePath }),
  WEBHOOK_PORT: v({ doc: "controller: port of the webhook, /health and /metrics (0: any free port, named in the log)", rule: integer(0, 65535), default: "8080" }),
  WEBHOOK_HOST: v({ doc: "controller: the public URL GitHub reaches it at, e.g. https://ci.example.com: at start the controller makes sure the repository or organization has exactly one hook for WEBHOOK_HOST/webhook (each REPOS_CONFIG_FILE entry's repository or organization one for WEBHOOK_HOST/webhook/{id}) (workflow_job, JSON, its secret), creating or updating it (needs \"Webhooks: write\", or the classic admin:repo_hook / admin:org_hook scope), and redelivers the failed deliveries of the last 3 days", rule: httpUrl }),
  REDELIVERY_INTERVAL_SEC: v({ doc: "controller: with WEBHOOK_HOST, seconds between looks at the hook's recent deliveries, redelivering each failed one once (also at start)", rule: integer(1, 86400), default: "300" }),
  TLS_CERT_FILE: v({ doc: "controller: PEM certificate (chain) to serve HTTPS on WEBHOOK_PORT itself, with TLS_KEY_FILE; reloaded when the file changes (a certbot renewal), without a restart", rule: absolutePath }),
  TLS_KEY_FILE: v({ doc: "controller: PEM private key of TLS_CERT_FILE", rule: absolutePath }),
  MAX_RUNNERS: v({ doc: "controller: most runner containers at once (starting, idle and busy); a job over the cap waits for a free slot", rule: integer(1, 10000), default: "10" }),
  WARM_RUNNERS: v({ doc: "controller: idle runners kept ready beyond the pending jobs (at most MAX_RUNNERS)", rule: integer(0, 10000), default: "0" }),
  RUNNER_IMAGE: v({ doc: "controller: the image of runner containers; it must run the ci-runner supervisor (the JIT config arrives as its secret file)", rule: pattern(IMAGE, "an image reference such as ci-runner:ephemeral"), default: "ci-runner:ephemeral" }),
  RECONCILE_INTERVAL_SEC: v({ doc: "controller: seconds between looks at GitHub's queued jobs and runners and at Docker's containers (also at start)", rule: integer(1, 86400), default: "60" }),
  GITHUB_CONNECT_TIMEOUT_SEC: v({ doc: "controller: at start and at each reload, seconds an entry's (or the single scope's) first calls to GitHub may keep failing (an unreachable host, retried), counted from the first failure; then it is not started (not changed), one line naming it and the host, and the others go on; a GitHub that answers, however slowly, is waited for", rule: integer(1, 3600), default: "60" }),
  RUNNER_BOOT_TIMEOUT_SEC: v({ doc: "controller: a runner not listening for jobs this long after its start, or after its image's pull when one was needed (its container creation included), is removed, with its registration, and replaced; the pull itself is bounded by RUNNER_PULL_STALL_SEC only", rule: integer(1, 86400), default: "300" }),
  RUNNER_PULL_STALL_SEC: v({ doc: "controller: an image pull that sends no progress this long is given up, and the launch tried again (default: RUNNER_BOOT_TIMEOUT_SEC); a pull that keeps making progress is never cut off, however big the image", rule: integer(1, 86400) }),
  RUNNER_IDLE_GRACE_SEC: v({ doc: "controller: an idle runner above the pending jobs plus WARM_RUNNERS this long is stopped (SIGTERM: it deregisters and exits)", rule: integer(0, 86400), default: "60" }),
  DATA_DIR: v({ doc: "controller: where its state (pending jobs, runners started) is kept across restarts", rule: absolutePath, default: "/data" }),
  CONTROLLER_ID: v({ doc: "controller: the name on its containers' labels and in its runners' names (default: derived from GH_URL and the scope, and two controllers of one scope need two ids; with REPOS_CONFIG_FILE, 8 random hex digits made once into DATA_DIR/controller-id and kept there, so each DATA_DIR volume is a controller of its own)", rule: pattern(/^[a-z0-9][a-z0-9-]{0,19}$/, "1-20 chars of a-z 0-9 -") }),
  RUNNER_ENV_FILE: v({ doc: "controller: a file of NAME=value lines (the $GITHUB_ENV format) added to every runner container's environment; credentials are refused, and a secret (CI_STORAGE_PRIVATE_KEY) goes in as a root-only file in the runners' secrets dir instead, where their supervisor reads it, out of \`docker inspect\`", rule: absolutePath }),
  RUNNER_NETWORK: v({ doc: "controller: the Docker network of runner containers (default: Docker's default bridge)", rule: pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "a Docker network name") }),
  RUNNER_VOLUMES: v({ doc: "controller: space-separated SOURCE:TARGET[:ro] mounts of every runner container (host paths or named volumes)", rule: parseVolumes }),
  RUNNER_PRIVILEGED: v({ doc: "controller: 1: runner containers run --privileged (DIND=1 in RUNNER_ENV_FILE then starts Docker in them)", rule: flag, default: "0" }),
  RUNNER_RUNTIME: v({ doc: "controller: the OCI runtime of runner containers, e.g. sysbox-runc for Docker-in-Docker without --privileged", rule: pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a runtime name") }),
  CI_RUNNER_SECRETS_DIR: v({ doc: "where secret files are looked up (Docker and compose mount secrets here)", rule: absolutePath, default: "/run/secrets" }),
  CI_RUNNER_STATE_FILE: v({ doc: "where the supervisor keeps its state (read by `ci-runner health`)", rule: absolutePath, default: "/run/ci-runner/state.json" }),
} as const;

export type VarName = keyof typeof VARS;

type RuleOf<S> = S extends VarSpec<infer T> ? T : never;
/** The parsed type of a variable: optional unless it has a default. */
export type VarValue<K extends VarName> = (typeof VARS)[K] extends { default: string }
  ? RuleOf<(typeof VARS)[K]>
  : RuleOf<(typeof VARS)[K]> | undefined;
export type VarValues = { readonly [K in VarName]: VarValue<K> };
