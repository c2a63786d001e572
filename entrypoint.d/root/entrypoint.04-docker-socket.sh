#!/bin/bash
# Built-in root hook: a host Docker socket bind-mounted into the container
# (docker run -v /var/run/docker.sock:/var/run/docker.sock) belongs to the
# host's docker group, whose id differs from host to host and is seldom the
# image's docker group (123). The runner user joins the group that owns the
# socket, whatever its id, so that its jobs can use it; the runner and the
# guest hooks start later with the groups read afresh (setpriv --init-groups).
# One line says what was done. A hook, not the supervisor: it is Docker's
# business, like DIND=1's hook, and a derived image may replace it.
set -u

sock=/var/run/docker.sock
case "${DOCKER_HOST:-}" in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
[ -S "$sock" ] || exit 0

user=${RUNNER_USER:-guest}
id "$user" >/dev/null 2>&1 || exit 0
[ "$(id -u "$user")" = 0 ] && exit 0

gid=$(stat -c %g "$sock")
mode=$(stat -c %a "$sock")
if (( (8#$mode & 8#060) != 8#060 )); then
  echo "docker socket $sock: mode $mode gives its group (gid $gid) no read and write, so $user cannot use it; only root can"
  exit 0
fi
if id -G "$user" | tr ' ' '\n' | grep -qx "$gid"; then
  echo "docker socket $sock: $user is already in its group (gid $gid)"
  exit 0
fi

# Jobs that need Docker fail without it; the others run: say so and carry on.
fail() { echo "docker socket $sock (gid $gid): $1 failed, so $user cannot use it"; exit 0; }
group=$(getent group "$gid" | cut -d: -f1)
created=""
if [ -z "$group" ]; then
  group=docker-host
  # A docker-host group from an earlier start of this container with another id: that socket is gone.
  if getent group "$group" >/dev/null; then groupmod -g "$gid" "$group" || fail groupmod; else groupadd -g "$gid" "$group" || fail groupadd; fi
  created=", created"
fi
usermod -aG "$group" "$user" || fail usermod
echo "docker socket $sock belongs to gid $gid: added $user to group $group (gid $gid$created), so its jobs can use Docker"
