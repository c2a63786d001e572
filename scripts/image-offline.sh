#!/usr/bin/env bash
# Builds ci-runner:local and ci-runner:ephemeral-local with no container
# registry and no github.com: a local Debian base (debootstrap, cached), this
# machine's Node, a runner tarball you hold, and stand-ins for ci-storage and
# the docker buildx and compose plugins. The Debian archive and npm registry
# are still used (apt and npm ci in the build).
#
#   npm run image:offline -- --runner-tarball actions-runner-linux-x64-2.336.0.tar.gz
#
# Options:
#   --runner-tarball PATH   required: an actions/runner release tarball (or the fake one)
#   --ci-storage PATH       the ci-storage tool to install (default: a stand-in script)
#   --tag TAG               default ci-runner:local
#   --ephemeral-tag TAG     default ci-runner:ephemeral-local
# Needs root (or a running engine) and the packages of .ci/apt-packages.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DOCKER=${DOCKER:-/usr/bin/docker}
runner_tarball=""
ci_storage=test/fixtures/image/ci-storage
tag=ci-runner:local
ephemeral_tag=ci-runner:ephemeral-local

log() { printf '[image-offline] %s\n' "$*" >&2; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --runner-tarball) runner_tarball=${2:?}; shift 2 ;;
    --ci-storage) ci_storage=${2:?}; shift 2 ;;
    --tag) tag=${2:?}; shift 2 ;;
    --ephemeral-tag) ephemeral_tag=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) log "unknown option $1"; usage ;;
  esac
done
[ -n "$runner_tarball" ] || { log "--runner-tarball PATH is required"; usage; }
[ -f "$runner_tarball" ] || { log "no such file: $runner_tarball"; exit 1; }
[ -f "$ci_storage" ] || { log "no such file: $ci_storage"; exit 1; }

scripts/docker-engine.sh
eval "$(scripts/local-base-images.sh)"   # sets BASE_IMAGE and NODE_IMAGE
# No hosted image runs Debian; bookworm's glibc (2.36) runs the builds the
# setup-* actions make for ubuntu22 (glibc 2.35), not those for ubuntu24.
image_os=ubuntu22

# Local inputs must sit inside the build context (.dockerignore lets this in).
inputs=build/image-inputs
mkdir -p "$inputs"
cp "$runner_tarball" "$inputs/actions-runner.tar.gz"
cp "$ci_storage" "$inputs/ci-storage"
cp test/fixtures/image/docker-cli-plugin "$inputs/docker-buildx"
cp test/fixtures/image/docker-cli-plugin "$inputs/docker-compose"
# Stand-ins for the two runner-container-hooks release zips, k8s and
# k8s-novolume (python3 is here: node-gyp needs it).
for flavour in k8s k8s-novolume; do
  rm -f "$inputs/container-hooks-$flavour.zip"
  (cd "test/fixtures/image/container-hooks/$flavour" && python3 -m zipfile -c "$root/$inputs/container-hooks-$flavour.zip" index.js)
done

secret=()
# Behind a TLS-intercepting proxy, npm ci in the build needs the host's CAs.
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
  secret=(--secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt)
fi
version=$(node -p 'require("./package.json").version')
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

build() {
  local what=$1; shift
  local start=$SECONDS logfile=build/image-offline.$what.log
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build --network host --progress plain "$@" . >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    log "$what build failed (full log: $logfile)"
    exit 1
  fi
  log "$what built in $((SECONDS - start))s"
}

build image -t "$tag" "${secret[@]}" \
  --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg NODE_IMAGE="$NODE_IMAGE" \
  --build-arg RUNNER_TARBALL="$inputs/actions-runner.tar.gz" \
  --build-arg CI_STORAGE_FILE="$inputs/ci-storage" \
  --build-arg RUNNER_CONTAINER_HOOKS_FILE="$inputs/container-hooks-k8s.zip" \
  --build-arg RUNNER_CONTAINER_HOOKS_NOVOLUME_FILE="$inputs/container-hooks-k8s-novolume.zip" \
  --build-arg DOCKER_BUILDX_FILE="$inputs/docker-buildx" \
  --build-arg DOCKER_COMPOSE_FILE="$inputs/docker-compose" \
  --build-arg IMAGE_OS="$image_os" \
  --build-arg IMAGE_VERSION="$version" --build-arg IMAGE_REVISION="$revision"
build ephemeral -t "$ephemeral_tag" -f Dockerfile.ephemeral --build-arg CI_RUNNER_IMAGE="$tag"

# Rebuilds leave the previous images untagged: drop ours, keep the cache.
"$DOCKER" image prune -f --filter label=org.opencontainers.image.title=ci-runner >/dev/null
"$DOCKER" image prune -f --filter "label=org.opencontainers.image.title=ci-runner (ephemeral)" >/dev/null
log "ready: $tag $ephemeral_tag ($("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
