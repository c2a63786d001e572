#!/usr/bin/env bash
# Makes the two images an offline build starts from, without any container
# registry, once per machine (later calls find them and return at once):
#   ci-runner-local/debian:bookworm   debootstrap minbase from the Debian
#                                     mirror apt already uses
#   ci-runner-local/node:<version>    that base + this machine's Node (>= 20)
#                                     laid out as in the official node images
#                                     (/usr/local/bin/node, npm, headers)
# Prints "BASE_IMAGE=<tag>" and "NODE_IMAGE=<tag>" on stdout for callers.
# Needs root, a running engine (scripts/docker-engine.sh) and debootstrap.
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
BASE_TAG=${LOCAL_BASE_TAG:-ci-runner-local/debian:bookworm}
NODE_BIN=${LOCAL_NODE_BIN:-$(command -v node)}

log() { printf '[local-base-images] %s\n' "$*" >&2; }
have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

node_version=$("$NODE_BIN" -p 'process.versions.node')
if [ "${node_version%%.*}" -lt 20 ]; then
  log "Node $node_version at $NODE_BIN is too old: the supervisor needs Node >= 20"
  exit 1
fi
NODE_TAG=${LOCAL_NODE_TAG:-ci-runner-local/node:$node_version}

work=$(mktemp -d /var/tmp/local-base-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

if have_image "$BASE_TAG"; then
  log "$BASE_TAG cached"
else
  start=$SECONDS
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  # The same archives as the host (updates and security too), in the deb822
  # form that official Debian images use.
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$work/rootfs/etc/apt/sources.list.d/"
    rm -f "$work/rootfs/etc/apt/sources.list"
  fi
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' - "$BASE_TAG" >/dev/null
  log "$BASE_TAG built in $((SECONDS - start))s"
fi

if have_image "$NODE_TAG"; then
  log "$NODE_TAG cached"
else
  start=$SECONDS
  prefix=$(dirname "$(dirname "$(readlink -f "$NODE_BIN")")")
  ctx=$work/node
  mkdir -p "$ctx/bin" "$ctx/include" "$ctx/lib"
  cp "$(readlink -f "$NODE_BIN")" "$ctx/bin/node"
  cp -a "$prefix/include/node" "$ctx/include/node"
  cp -a "$prefix/lib/node_modules" "$ctx/lib/node_modules"
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_TAG
COPY bin /usr/local/bin
COPY include /usr/local/include
COPY lib /usr/local/lib
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version >/dev/null
CMD ["node"]
EOF
  DOCKER_BUILDKIT=1 "$DOCKER" build -q --network none -t "$NODE_TAG" "$ctx" >/dev/null
  log "$NODE_TAG built in $((SECONDS - start))s"
fi

echo "BASE_IMAGE=$BASE_TAG"
echo "NODE_IMAGE=$NODE_TAG"
