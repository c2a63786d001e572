#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock: does nothing when
# one already does, otherwise starts dockerd in the background (no systemd on
# these machines, and CI starts with no daemon) and waits for it.
# Needs root and the Debian packages docker.io (see .ci/apt-packages.txt).
# Usage: scripts/docker-engine.sh        (prints the engine version when ready)
set -euo pipefail

# The Debian CLI: /usr/local/bin/docker, first on PATH here, has no buildx.
DOCKER=${DOCKER:-/usr/bin/docker}
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SEC=${DOCKERD_WAIT_SEC:-60}

log() { printf '[docker-engine] %s\n' "$*" >&2; }

ready() { "$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null; }

if version=$(ready); then
  log "engine $version already running"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  log "no engine answers and starting one needs root"
  exit 1
fi
if ! command -v dockerd >/dev/null; then
  log "dockerd not found: apt-get install docker.io (listed in .ci/apt-packages.txt)"
  exit 1
fi

# A daemon killed uncleanly leaves its pid files; a live one must not be doubled.
for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    rm -f "$pidfile"
  fi
done
if [ -f /var/run/docker.pid ]; then
  log "dockerd (pid $(cat /var/run/docker.pid)) runs but does not answer yet"
else
  log "starting dockerd (log: $LOG)"
  # setsid: the daemon outlives this script and the shell that ran it.
  setsid dockerd >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 1 $((WAIT_SEC * 2))); do
  if version=$(ready); then
    log "engine $version ready"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within ${WAIT_SEC}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1
