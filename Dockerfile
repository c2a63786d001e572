# ci-runner: a self-hosted GitHub Actions runner whose PID 1 is one bundled
# Node supervisor. Needs BuildKit (Docker >= 20.10; the default since 23.0).
#
#   docker build -t ci-runner .
#
# Build args (all optional):
#   BASE_IMAGE        the image jobs run in (default ubuntu:24.04, as GitHub-hosted runners)
#   NODE_IMAGE        where the supervisor's Node runtime comes from (Node >= 20.15;
#                     /usr/local/bin/node and headers, as in the official images)
#   RUNNER_VERSION    actions/runner release, downloaded and SHA-256 checked
#   RUNNER_SHA256_X64, RUNNER_SHA256_ARM64   sums of that release's linux tarballs
#   RUNNER_TARBALL    path in the build context of a runner tarball to use
#                     instead of the download (air-gapped builds, tests)
#   CI_STORAGE_FILE   path in the build context of the ci-storage tool to use
#                     instead of the pinned download
#   RUNNER_CONTAINER_HOOKS_VERSION  actions/runner-container-hooks release unpacked
#                     into /home/runner/k8s (ARC's containerMode kubernetes)
#   RUNNER_CONTAINER_HOOKS_FILE     path in the build context of that zip to use instead
#   RUNNER_CONTAINER_HOOKS_NOVOLUME_VERSION, RUNNER_CONTAINER_HOOKS_NOVOLUME_SHA256
#                     the release unpacked into /home/runner/k8s-novolume (containerMode
#                     kubernetes-novolume) and its zip's sum
#   RUNNER_CONTAINER_HOOKS_NOVOLUME_FILE  path in the build context of that zip to use instead
#   PASSWORDLESS_SUDO 1 (default): guest may sudo anything; 0: only /usr/bin/ci-storage
#   INSTALL_DOCKER    1 (default): docker CLI and engine (Docker-in-Docker with DIND=1)
#                     and the buildx and compose plugins:
#   DOCKER_BUILDX_VERSION, DOCKER_BUILDX_SHA256_X64, DOCKER_BUILDX_SHA256_ARM64
#   DOCKER_COMPOSE_VERSION, DOCKER_COMPOSE_SHA256_X64, DOCKER_COMPOSE_SHA256_ARM64
#                     pinned releases, SHA-256 checked for TARGETARCH
#   DOCKER_BUILDX_FILE, DOCKER_COMPOSE_FILE   paths in the build context of plugin
#                     binaries to use instead of the downloads (air-gapped builds, tests)
#   IMAGE_OS          ImageOS for jobs, as on GitHub-hosted runners (default ubuntu24;
#                     an Ubuntu base must match it: ubuntu22 for ubuntu:22.04)

ARG BASE_IMAGE=ubuntu:24.04
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# The supervisor: one esbuild bundle and the native reaper (N-API).
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the bundle needs none (node-pty is for tests only, and
# esbuild finds its platform binary without its postinstall). Behind a
# TLS-intercepting proxy, pass its CA bundle as a build secret:
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt ...
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build-cjs-command.mjs scripts/
COPY src src
RUN npm run build && test -f dist/ci-runner.js && test -f dist/reaper.node && test -f dist/splice-relay.node

# ---------------------------------------------------------------------------
# The runner and the ci-storage tool: pinned downloads, or local files.
FROM ${BASE_IMAGE} AS fetch
ARG TARGETARCH
ARG RUNNER_VERSION=2.336.0
# From the v2.336.0 release notes (actions-runner-linux-{x64,arm64}-2.336.0.tar.gz).
ARG RUNNER_SHA256_X64=04cf0be1aff4c3ec3554466c39124ca250e3effd8873bb7e8d68535aa9505d5d
ARG RUNNER_SHA256_ARM64=58b758e420b87093fbd4bfddd368074960053e2f1388f01848c82624b90f27d1
ARG RUNNER_TARBALL=
# dimikot/ci-storage at a fixed commit; the sum is that commit's blob.
ARG CI_STORAGE_COMMIT=8007816e94e5cebf88b0daf8188fa70a930ee433
ARG CI_STORAGE_SHA256=9ded920b344158ddbf5d066f949a38fd5b8574b58e6910a08a0200b8da3f7a3d
ARG CI_STORAGE_FILE=
# The versions actions/runner's own image (images/Dockerfile) ships, in the
# same directories: k8s (ARC's containerMode kubernetes) and, from the 0.8
# line that needs no shared work volume, k8s-novolume.
# k8s: the sum is of k8s/index.js inside the release zip (the 0.7.0 release
# notes publish none): what runs is what is checked.
ARG RUNNER_CONTAINER_HOOKS_VERSION=0.7.0
ARG RUNNER_CONTAINER_HOOKS_INDEX_SHA256=ab92729b095f5fdb8b51b8a6f8cfc2f1647617e0e12c17f2ff39feea686a1966
ARG RUNNER_CONTAINER_HOOKS_FILE=
# k8s-novolume: the release notes of 0.8.x publish the zip's sum. Pin it
# here; left empty, the build checks the zip against the sum those notes
# publish (fetched beside it) and prints it, so that it can be pinned.
ARG RUNNER_CONTAINER_HOOKS_NOVOLUME_VERSION=0.8.1
ARG RUNNER_CONTAINER_HOOKS_NOVOLUME_SHA256=
ARG RUNNER_CONTAINER_HOOKS_NOVOLUME_FILE=
# COPY needs a source that exists: without a local file, a small stand-in
# that the RUN below ignores. The runner's run.sh becomes run-runner.sh:
# /home/runner/run.sh, ARC's command, is the supervisor.
COPY ${RUNNER_TARBALL:-image/README.md} /tmp/local-runner.tar.gz
COPY ${CI_STORAGE_FILE:-image/README.md} /tmp/local-ci-storage
COPY ${RUNNER_CONTAINER_HOOKS_FILE:-image/README.md} /tmp/local-container-hooks.zip
COPY ${RUNNER_CONTAINER_HOOKS_NOVOLUME_FILE:-image/README.md} /tmp/local-container-hooks-novolume.zip
RUN --mount=type=secret,id=ca-certificates set -eu; \
    if [ -s /run/secrets/ca-certificates ]; then export CURL_CA_BUNDLE=/run/secrets/ca-certificates; fi; \
    need() { \
      missing=""; for c in "$@"; do command -v "$c" >/dev/null || missing="$missing $c"; done; \
      if [ -n "$missing" ]; then \
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing ca-certificates >/dev/null; \
      fi; \
    }; \
    download() { need curl; curl -fsSL --retry 3 -o "$2" "$1"; }; \
    download_checked() { download "$1" "$2"; echo "$3  $2" | sha256sum -c -; }; \
    hooks_url() { echo "https://github.com/actions/runner-container-hooks/releases/download/v$1/actions-runner-hooks-k8s-$1.zip"; }; \
    root=/out/runner; \
    mkdir -p "$root"; \
    if [ -n "$RUNNER_TARBALL" ]; then \
      tar -xzf /tmp/local-runner.tar.gz -C "$root"; \
    else \
      arch=${TARGETARCH:-$(dpkg --print-architecture)}; \
      case "$arch" in \
        amd64) a=x64; sum=$RUNNER_SHA256_X64 ;; \
        arm64) a=arm64; sum=$RUNNER_SHA256_ARM64 ;; \
        *) echo "no actions/runner build for $arch" >&2; exit 1 ;; \
      esac; \
      download_checked "https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/actions-runner-linux-${a}-${RUNNER_VERSION}.tar.gz" /tmp/runner.tar.gz "$sum"; \
      tar -xzf /tmp/runner.tar.gz -C "$root"; \
    fi; \
    test -x "$root/config.sh" && test -x "$root/run.sh" && test -d "$root/externals"; \
    mv "$root/run.sh" "$root/run-runner.sh"; \
    need unzip; \
    if [ -n "$RUNNER_CONTAINER_HOOKS_FILE" ]; then \
      unzip -q /tmp/local-container-hooks.zip -d "$root/k8s"; \
    else \
      download "$(hooks_url "$RUNNER_CONTAINER_HOOKS_VERSION")" /tmp/hooks.zip; \
      unzip -q /tmp/hooks.zip -d "$root/k8s"; \
      echo "$RUNNER_CONTAINER_HOOKS_INDEX_SHA256  $root/k8s/index.js" | sha256sum -c -; \
    fi; \
    if [ -n "$RUNNER_CONTAINER_HOOKS_NOVOLUME_FILE" ]; then \
      unzip -q /tmp/local-container-hooks-novolume.zip -d "$root/k8s-novolume"; \
    else \
      v=$RUNNER_CONTAINER_HOOKS_NOVOLUME_VERSION; sum=$RUNNER_CONTAINER_HOOKS_NOVOLUME_SHA256; \
      if [ -z "$sum" ]; then \
        download "https://api.github.com/repos/actions/runner-container-hooks/releases/tags/v$v" /tmp/release.json; \
        sum=$(grep -oE "actions-runner-hooks-k8s-$(echo "$v" | sed 's/\./\\./g')\.zip [0-9a-f]{64}" /tmp/release.json | head -n 1 | cut -d' ' -f2); \
        if [ -z "$sum" ]; then echo "RUNNER_CONTAINER_HOOKS_NOVOLUME_SHA256: the v$v release notes publish no sum; pass it as a build arg" >&2; exit 1; fi; \
        echo "RUNNER_CONTAINER_HOOKS_NOVOLUME_SHA256 not pinned: checking against the sum the v$v release notes publish, $sum"; \
      fi; \
      download_checked "$(hooks_url "$v")" /tmp/hooks-novolume.zip "$sum"; \
      unzip -q /tmp/hooks-novolume.zip -d "$root/k8s-novolume"; \
    fi; \
    test -f "$root/k8s/index.js" && test -f "$root/k8s-novolume/index.js"; \
    if [ -n "$CI_STORAGE_FILE" ]; then \
      cp /tmp/local-ci-storage /out/ci-storage; \
    else \
      download_checked "https://raw.githubusercontent.com/dimikot/ci-storage/${CI_STORAGE_COMMIT}/ci-storage" /out/ci-storage "$CI_STORAGE_SHA256"; \
    fi; \
    chmod 755 /out/ci-storage

# The docker buildx and compose CLI plugins jobs call (`docker buildx build`,
# `docker compose up`), pinned and checked like the runner. Versions and sums
# are those docker-library/docker (the official docker image) ships with
# Docker 29.7; distributions' packages lag far behind or lack them (bookworm).
ARG INSTALL_DOCKER=1
ARG DOCKER_BUILDX_VERSION=0.36.1
ARG DOCKER_BUILDX_SHA256_X64=48af8a397ebd60178778bf63611dbcebe5f5e7a9be90eb9147b24b9587455778
ARG DOCKER_BUILDX_SHA256_ARM64=5d0cafd9d16afe1a0f0d9529885344ace2cc99efdd531b6c783c5455a6001569
ARG DOCKER_COMPOSE_VERSION=5.4.0
ARG DOCKER_COMPOSE_SHA256_X64=837fd1d35bf6a494f41b5b5988269a7be79de337cf1a1a6ff0e45ab51bb4e9be
ARG DOCKER_COMPOSE_SHA256_ARM64=fc5d1371f1ec7987e703da94ede49af3fbfb240b83f22991a98511de7bc4b93b
ARG DOCKER_BUILDX_FILE=
ARG DOCKER_COMPOSE_FILE=
COPY ${DOCKER_BUILDX_FILE:-image/README.md} /tmp/local-docker-buildx
COPY ${DOCKER_COMPOSE_FILE:-image/README.md} /tmp/local-docker-compose
RUN --mount=type=secret,id=ca-certificates set -eu; \
    if [ -s /run/secrets/ca-certificates ]; then export CURL_CA_BUNDLE=/run/secrets/ca-certificates; fi; \
    mkdir -p /out/cli-plugins; \
    [ "$INSTALL_DOCKER" = 1 ] || exit 0; \
    arch=${TARGETARCH:-$(dpkg --print-architecture)}; \
    case "$arch" in \
      amd64) bx=$DOCKER_BUILDX_SHA256_X64; co=$DOCKER_COMPOSE_SHA256_X64; ca=x86_64 ;; \
      arm64) bx=$DOCKER_BUILDX_SHA256_ARM64; co=$DOCKER_COMPOSE_SHA256_ARM64; ca=aarch64 ;; \
      *) echo "no pinned docker buildx/compose for $arch: pass DOCKER_BUILDX_FILE and DOCKER_COMPOSE_FILE" >&2; exit 1 ;; \
    esac; \
    plugin() { \
      if [ -n "$2" ]; then cp "$2" "/out/cli-plugins/docker-$1"; else \
        command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null; }; \
        curl -fsSL --retry 3 -o "/out/cli-plugins/docker-$1" "$3"; \
        echo "$4  /out/cli-plugins/docker-$1" | sha256sum -c -; \
      fi; \
    }; \
    plugin buildx "${DOCKER_BUILDX_FILE:+/tmp/local-docker-buildx}" \
      "https://github.com/docker/buildx/releases/download/v${DOCKER_BUILDX_VERSION}/buildx-v${DOCKER_BUILDX_VERSION}.linux-${arch}" "$bx"; \
    plugin compose "${DOCKER_COMPOSE_FILE:+/tmp/local-docker-compose}" \
      "https://github.com/docker/compose/releases/download/v${DOCKER_COMPOSE_VERSION}/docker-compose-linux-${ca}" "$co"; \
    chmod 755 /out/cli-plugins/*

# ---------------------------------------------------------------------------
# What a CI job expects to find, the runner's own libraries, docker.
FROM ${BASE_IMAGE} AS image
ARG INSTALL_DOCKER=1
ARG PASSWORDLESS_SUDO=1
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update -qq; \
    first() { for p in "$@"; do if apt-cache show "$p" >/dev/null 2>&1; then echo "$p"; return; fi; done; echo "none of: $*" >&2; return 1; }; \
    icu=$(apt-cache pkgnames libicu | grep -E '^libicu[0-9]+$' | sort -V | tail -n 1); \
    runner_deps="$icu $(first libssl3t64 libssl3 libssl1.1) $(first liblttng-ust1t64 liblttng-ust1 liblttng-ust0) libkrb5-3 zlib1g"; \
    docker_pkgs=""; \
    if [ "$INSTALL_DOCKER" = 1 ]; then \
      docker_pkgs="docker.io iptables"; \
    fi; \
    apt-get install -y -qq --no-install-recommends \
      bash ca-certificates curl git git-lfs jq less locales openssh-client procps python3 rsync sudo tzdata unzip util-linux xz-utils zstd \
      $runner_deps $docker_pkgs >/dev/null; \
    localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8; \
    apt-get clean; rm -rf /var/lib/apt/lists/*; \
    command -v setpriv >/dev/null

# The runner user, as on GitHub-hosted runners: uid 1001, group docker gid 123.
RUN set -eu; \
    if getent group docker >/dev/null; then groupmod -g 123 docker; else groupadd -g 123 docker; fi; \
    useradd -m -u 1001 -U -G docker -s /bin/bash guest; \
    echo 'guest ALL=(root) NOPASSWD: /usr/bin/ci-storage' >/etc/sudoers.d/ci-storage; \
    if [ "$PASSWORDLESS_SUDO" = 1 ]; then echo 'guest ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/guest; fi; \
    chmod 440 /etc/sudoers.d/*; \
    mkdir -p /var/cache/ci-storage /mnt; \
    chown guest:guest /var/cache/ci-storage; chmod 700 /var/cache/ci-storage

# ---------------------------------------------------------------------------
FROM image
COPY --from=build /usr/local/bin/node /opt/ci-runner/node
# ci-runner.js, a CommonJS entry (package.json says so), the supervisor's CommonJS file and the other commands'
# ES modules and chunks (.mjs).
COPY --from=build /src/dist/*.js /src/dist/*.mjs /src/dist/package.json /src/dist/*.node /opt/ci-runner/
# Node >= 22.1: V8's code cache of those files, made here, where they run
# (README "Start-up and memory"); Node 20 makes none and says so.
COPY scripts/fill-compile-cache.mjs /tmp/fill-compile-cache.mjs
RUN /opt/ci-runner/node /tmp/fill-compile-cache.mjs /opt/ci-runner && rm /tmp/fill-compile-cache.mjs
# The runner where actions-runner-controller's chart and the container hooks
# look for it, as in actions/runner's own image: its root /home/runner (so
# externals/ and _work/ are /home/runner/externals and /home/runner/_work),
# hooks in k8s/ and k8s-novolume/. Owned by guest (uid 1001, the runner's
# uid in ARC's pods) and group docker (123, the fsGroup non-root pods use).
COPY --from=fetch --chown=1001:123 /out/runner /home/runner
COPY --from=fetch /out/ci-storage /usr/bin/ci-storage
COPY image/ci-runner /usr/local/bin/ci-runner
# Jobs' `git clone https://github.com/...` with the step's own GITHUB_TOKEN (never the supervisor's PAT).
COPY image/git-credential-ci-runner /usr/local/bin/git-credential-ci-runner
COPY image/root.bash_profile /root/.bash_profile
# Built-in hooks carry low numbers so that derived images slot theirs after.
# Their copy in /opt/ci-runner/builtin-hooks lets the supervisor recognise
# them unchanged and skip starting bash when one has nothing to do.
COPY entrypoint.d/ /tmp/entrypoint.d/
RUN set -eu; \
    install -d -m 755 /opt/ci-runner/builtin-hooks; \
    for h in /tmp/entrypoint.d/root/entrypoint.*.sh; do if [ -e "$h" ]; then install -m 755 "$h" /root/; install -m 644 "$h" /opt/ci-runner/builtin-hooks/; fi; done; \
    for h in /tmp/entrypoint.d/guest/entrypoint.*.sh; do if [ -e "$h" ]; then install -m 755 -o guest -g guest "$h" /home/guest/; fi; done; \
    rm -rf /tmp/entrypoint.d; \
    chmod 755 /usr/local/bin/ci-runner /usr/local/bin/git-credential-ci-runner; \
    ln -s /usr/local/bin/ci-runner /home/runner/run.sh; \
    install -d -o guest -g docker -m 775 /home/runner /home/runner/_work; \
    ln -s /home/runner /home/guest/actions-runner; \
    ln -s /home/runner /actions-runner; \
    install -d -o guest -g guest -m 755 /run/ci-runner; \
    /opt/ci-runner/node --version; \
    /opt/ci-runner/node --no-inspect --no-inspect-brk --no-inspect-wait -e '' \
      || { echo "NODE_IMAGE: Node >= 20.15 needed (ENTRYPOINT passes --no-inspect-wait)" >&2; exit 1; }

# What jobs written for GitHub-hosted runners expect (issue 11): the docker
# plugins (and `docker-compose`, as Docker's own packages give), and the tool
# cache where actions/setup-* look for it, at the hosted runners' path (the
# prebuilt Pythons of setup-python only run from there), writable by guest;
# compose.yml puts a volume on it so downloads survive restarts. ImageOS
# names the hosted image whose tool builds fit (setup-ruby, setup-beam...).
COPY --from=fetch /out/cli-plugins/ /usr/local/lib/docker/cli-plugins/
ARG IMAGE_OS=ubuntu24
RUN set -eu; \
    . /etc/os-release; \
    if [ "$ID" = ubuntu ] && [ "$IMAGE_OS" != "ubuntu${VERSION_ID%%.*}" ]; then \
      echo "IMAGE_OS=$IMAGE_OS but the base image is Ubuntu $VERSION_ID: pass --build-arg IMAGE_OS=ubuntu${VERSION_ID%%.*}" >&2; exit 1; \
    fi; \
    if [ -e /usr/local/lib/docker/cli-plugins/docker-compose ]; then \
      ln -s /usr/local/lib/docker/cli-plugins/docker-compose /usr/local/bin/docker-compose; \
    fi; \
    install -d -o guest -g guest /opt/hostedtoolcache
ENV ImageOS=${IMAGE_OS} \
    AGENT_TOOLSDIRECTORY=/opt/hostedtoolcache \
    RUNNER_TOOL_CACHE=/opt/hostedtoolcache

ARG BASE_IMAGE
ARG IMAGE_VERSION=dev
ARG IMAGE_REVISION=unknown
LABEL org.opencontainers.image.title="ci-runner" \
      org.opencontainers.image.description="Self-hosted GitHub Actions runner; PID 1 is one Node supervisor (hooks, forwarding, warm start, graceful drain)" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${IMAGE_VERSION}" \
      org.opencontainers.image.revision="${IMAGE_REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"

# LANG=C.UTF-8 makes every bash, coreutils and setpriv process load that
# locale at its start. The archive localedef made above (for en_US.UTF-8) is
# searched first, and C.UTF-8 was not in it: each process then also opened
# glibc's 12 C.utf8 files, about 0.3 ms of CPU per process (of ~1.2 ms for a
# grep), and a boot runs ~35 of them before the runner listens. Added to the
# archive, the same locale data is one lookup in a file already mapped.
RUN if [ -d /usr/lib/locale/C.utf8 ]; then localedef --add-to-archive /usr/lib/locale/C.utf8; fi
ENV LANG=C.UTF-8
# For /home/runner/run-runner.sh started as root in place of the supervisor
# (ARC's bring-your-own-image contract); the supervisor runs it as guest.
ENV RUNNER_ALLOW_RUNASROOT=1
WORKDIR /root
# The supervisor drains on SIGTERM: a running job finishes before the runner
# is removed (give it compose's stop_grace_period, e.g. 10m).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 CMD ["/usr/local/bin/ci-runner", "health"]
# node itself, no shell in front: until Node's first handler is in, the kernel
# drops a stop signal to PID 1, and a shell would make that window longer.
# --no-inspect*: NODE_OPTIONS=--inspect(-brk/-wait) in the container's
# environment is for jobs; it never opens a debugger in (or holds) the
# supervisor, which runs as root. The same flags as image/ci-runner.
ENTRYPOINT ["/opt/ci-runner/node", "--no-inspect", "--no-inspect-brk", "--no-inspect-wait", "/opt/ci-runner/ci-runner.js"]
