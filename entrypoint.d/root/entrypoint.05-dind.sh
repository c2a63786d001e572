#!/bin/bash
# Built-in root hook: starts Docker-in-Docker when DIND=1. It needs a
# privileged container or the sysbox runtime; without them it says so and the
# runner starts anyway (jobs that need Docker will fail, the others run). The
# supervisor stops the daemon at shutdown with the rest of the hooks' leftovers.
set -u

# The spellings the supervisor's config accepts for a flag (src/config/rules.ts).
case "${DIND:-0}" in
  1|[Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|[Oo][Nn]) ;;
  *) exit 0 ;;
esac

if ! command -v dockerd >/dev/null; then
  echo "DIND=1 but this image has no dockerd: Docker-in-Docker skipped"
  exit 0
fi
if docker info >/dev/null 2>&1; then
  echo "a Docker engine already answers (mounted socket or DOCKER_HOST): not starting another"
  exit 0
fi

log=/var/log/dockerd.log
# Output to a file: the hook's pipe must close when the hook exits.
dockerd >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "Docker-in-Docker is up (dockerd pid $pid, log $log)"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done

echo "Docker-in-Docker could not start (run the container with --privileged or the sysbox runtime); carrying on without it. Last lines of $log:"
tail -n 15 "$log" | sed 's/^/  /'
kill "$pid" 2>/dev/null
exit 0
