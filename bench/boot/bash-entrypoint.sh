#!/bin/bash
# The baseline of bench:boot: what seed 000's bash image does from boot to a
# listening runner and back, for the steps the supervisor also takes
# (docs/reference-image.md). Not shipped; only the bench runs it.
#
# Root phase (no argument): validate, prepare WORK_DIR/CACHE_DIR, source the
# root hooks, then `exec gosu guest` (setpriv when gosu is missing) into this
# same script with the argument "guest": from then on PID 1 is the guest's
# bash, as in the original image.
# Guest phase: guest hooks, registration token (curl + jq), stale .runner
# removed, config.sh, a TERM/INT trap that deregisters (remove token +
# `config.sh remove`, retried every 15 s while the runner is busy), the _diag
# health check in the background, and run.sh as a child followed by `wait`,
# so that the trap keeps working.
#
# Leaves out what the supervisor's boot in the bench does not do either
# (forwarding, DinD, ci-storage load, metrics, the spot watcher).
set -u

say() { echo "[$(date '+%Y-%m-%d %H:%M:%S %Z')] $*"; }
api() { curl -fsS -X POST -H "Authorization: token $GH_TOKEN" -H "Accept: application/vnd.github+json" \
  "$GH_URL/api/v3/repos/$GH_REPOSITORY/actions/runners/$1" | jq -r .token; }

if [[ "${1:-}" != guest ]]; then
  say "bash entrypoint starting as PID $$"
  for var in GH_TOKEN GH_REPOSITORY GH_LABELS; do
    [[ -n "${!var:-}" ]] || { say "$var is required"; exit 1; }
  done
  [[ "$GH_REPOSITORY" =~ ^[^/]+/[^/]+$ ]] || { say "GH_REPOSITORY must be {owner}/{repo}"; exit 1; }
  user=${RUNNER_USER:-guest}
  home=$(getent passwd "$user" | cut -d: -f6)
  export WORK_DIR=${WORK_DIR:-/mnt} CACHE_DIR=${CACHE_DIR:-/var/cache/ci-storage}
  export RUNNER_DIR=${RUNNER_DIR:-$home/actions-runner} GUEST_HOOKS_DIR=${GUEST_HOOKS_DIR:-$home}
  mkdir -p "$WORK_DIR" "$CACHE_DIR"
  chown "$user:" "$WORK_DIR" "$CACHE_DIR"
  chmod 700 "$WORK_DIR" "$CACHE_DIR"
  for hook in "${ROOT_HOOKS_DIR:-/root}"/entrypoint.*.sh; do
    [[ -f "$hook" ]] && source "$hook"
  done
  export HOME=$home
  if command -v gosu >/dev/null; then
    exec gosu "$user" "$0" guest
  fi
  exec setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups -- "$0" guest
fi

for hook in "$GUEST_HOOKS_DIR"/entrypoint.*.sh; do
  [[ -f "$hook" ]] && source "$hook"
done
cd "$RUNNER_DIR" || exit 1
name=${RUNNER_NAME:-ci-storage-$(date +%Y%m%d%H%M%S)-$RANDOM}

token=$(api registration-token) || { say "cannot get a registration token"; exit 1; }
rm -f .runner .credentials .credentials_rsaparams
say "registering runner $name for $GH_URL/$GH_REPOSITORY with labels $GH_LABELS"
./config.sh --unattended --url "$GH_URL/$GH_REPOSITORY" --token "$token" --name "$name" \
  --labels "$GH_LABELS" --work "$WORK_DIR" --disableupdate --replace || exit 1

cleanup() {
  local code=$1
  trap - INT TERM
  while true; do
    say "removing runner $name"
    token=$(api remove-token) && ./config.sh remove --token "$token" && break
    say "the runner is busy; retrying in 15 s"
    sleep 15
  done
  exit "$code"
}
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

# The original's runner health check: a known restart loop of the runner
# shows in its newest _diag log; leave gracefully when it does.
watch_diag() {
  local log
  while sleep 5; do
    log=$(ls -t _diag/*.log 2>/dev/null | head -n 1)
    if [[ -n "$log" ]] && grep -q "Registration was not found or is not medium trust" "$log"; then
      say "runner health: registration lost; shutting down"
      kill -TERM $$
      return
    fi
  done
}
watch_diag &

./run.sh &
wait $!
