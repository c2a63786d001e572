#!/usr/bin/env bash
# npm run test:e2e: the images proven with real containers. Starts a Docker
# engine if none answers, builds the fake runner tarball and the images
# offline (cached layers make reruns quick), removes what an interrupted
# earlier run left, then runs tap on test/e2e. Needs root and the packages of
# .ci/apt-packages.txt. Extra arguments go to tap (e.g. one test file).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER

log() { printf '[test-e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

scripts/docker-engine.sh

# The images under test (other tags let worktrees that share an engine run side by side).
E2E_IMAGE=${E2E_IMAGE:-ci-runner:local}
E2E_EPHEMERAL_IMAGE=${E2E_EPHEMERAL_IMAGE:-ci-runner:ephemeral-local}
export E2E_IMAGE E2E_EPHEMERAL_IMAGE
scripts/e2e-images.sh >/dev/null

# Every run holds a shared lock on this file until it ends (the descriptor
# passes to tap and its tests); the cleanup below needs it exclusively, so a
# run never removes the containers of another one still going on this
# engine (a second worktree's).
exec 9>"${TMPDIR:-/tmp}/ci-runner-e2e.lock"
if ! flock -n -x 9; then
  log "another e2e run is going on with this engine: leftovers of earlier runs are left for a later run to remove"
else
# Leftovers of an interrupted run: containers we labelled, compose projects
# named cie2e*, runner containers of test controllers (CONTROLLER_ID cie2e*),
# their networks and the derived test images.
stale=$( { "$DOCKER" ps -aq --filter label=ci-runner-e2e=1
           "$DOCKER" ps -a --filter label=com.docker.compose.project \
             --format '{{.ID}} {{.Label "com.docker.compose.project"}}' | awk '$2 ~ /^cie2e/ {print $1}'
           "$DOCKER" ps -a --filter label=ci-runner.controller \
             --format '{{.ID}} {{.Label "ci-runner.controller"}}' | awk '$2 ~ /^cie2e/ {print $1}'; } | sort -u)
if [ -n "$stale" ]; then
  log "removing $(echo "$stale" | wc -l) container(s) of an earlier run"
  "$DOCKER" rm -f -v $stale >/dev/null
fi
nets=$("$DOCKER" network ls -q --filter name=cie2e)
[ -z "$nets" ] || "$DOCKER" network rm $nets >/dev/null || true
# The pods' volumes (test/e2e/helpers/pod.ts labels them).
vols=$("$DOCKER" volume ls -q --filter label=ci-runner-e2e=1)
[ -z "$vols" ] || "$DOCKER" volume rm $vols >/dev/null || true
fi
flock -s 9

# The host as containers see it: the fake GitHub listens there only.
E2E_HOST_GATEWAY=$("$DOCKER" run --rm --network none --add-host gw:host-gateway ci-runner-local/debian:bookworm getent hosts gw | awk '{print $1}')
export E2E_HOST_GATEWAY E2E_IMAGE E2E_EPHEMERAL_IMAGE

log "tap test/e2e (host gateway $E2E_HOST_GATEWAY)"
if [ $# -eq 0 ]; then set -- test/e2e/*.test.ts; fi
# .taprc drops tap's TypeScript plugin: a fresh install must rebuild tap's plugin set first.
npx tap build
exec npx tap --disable-coverage --jobs 2 --timeout 900 --reporter "${E2E_REPORTER:-terse}" "$@"
