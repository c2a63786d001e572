#!/usr/bin/env bash
# Builds what the e2e suite and bench:image run: the fake runner tarball
# (build/e2e/fake-runner.tar.gz) and, from it, ci-runner:local and
# ci-runner:ephemeral-local, or the tags in E2E_IMAGE and E2E_EPHEMERAL_IMAGE
# (scripts/image-offline.sh; cached layers make a rebuild quick). Prints the
# tarball's path. Arguments go to scripts/image-offline.sh (e.g. --tag
# ci-runner:mine --ephemeral-tag ..., which win over the variables).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mkdir -p build/e2e
tarball=build/e2e/fake-runner.tar.gz
test/fakes/runner/make-tarball.sh "$tarball" >/dev/null

# The real tarball brings its own Node (externals/node20) and needs none on
# PATH; the image keeps its Node off PATH on purpose. Until the fake's
# tarball bundles one too, add this machine's Node as externals/node20 and
# start the listener with it.
if ! tar -tzf "$tarball" | grep -q '^\(\./\)\?externals/node[0-9]*/bin/node$'; then
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  tar -xzf "$tarball" -C "$stage"
  mkdir -p "$stage/externals/node20/bin"
  cp "$(readlink -f "$(command -v node)")" "$stage/externals/node20/bin/node"
  mv "$stage/bin/Runner.Listener" "$stage/bin/Runner.Listener.js"
  cat >"$stage/bin/Runner.Listener" <<'EOF'
#!/bin/bash
# Added by scripts/e2e-images.sh: the listener runs on the bundled Node.
dir="$(dirname "$(readlink -f "$0")")"
exec "$dir/../externals/node20/bin/node" "$dir/Runner.Listener.js" "$@"
EOF
  chmod 755 "$stage/bin/Runner.Listener"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball" $(ls -A "$stage")
fi

# E2E_IMAGE and E2E_EPHEMERAL_IMAGE name the images (worktrees that share
# one engine keep theirs apart); --tag and --ephemeral-tag in "$@" win.
scripts/image-offline.sh --runner-tarball "$tarball" \
  --tag "${E2E_IMAGE:-ci-runner:local}" --ephemeral-tag "${E2E_EPHEMERAL_IMAGE:-ci-runner:ephemeral-local}" "$@"
echo "$tarball"
