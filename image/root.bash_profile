# Root's login shell: `docker compose exec ci-runner bash -l` continues as the
# runner user in the checkout directory ($WORK_DIR/<repo>/<repo>, the runner's
# default checkout path), while plain `bash` (no -l) stays root.
# CI_RUNNER_LOGIN_AS_ROOT=1 keeps a root login shell.
if [ "$(id -u)" = 0 ] && [ -z "${CI_RUNNER_LOGIN_AS_ROOT:-}" ]; then
  __user=${RUNNER_USER:-guest}
  __home=$(getent passwd "$__user" | cut -d: -f6)
  __repo=${GH_REPOSITORY#*/}
  if [ -n "$__repo" ] && [ -d "${WORK_DIR:-/mnt}/$__repo/$__repo" ]; then
    cd "${WORK_DIR:-/mnt}/$__repo/$__repo"
  else
    cd "${__home:-/}"
  fi
  # The container's environment minus credentials, as the runner sees it.
  unset $(compgen -e | grep -E '(TOKEN|_KEY|_SECRET|JITCONFIG)$')
  exec setpriv --reuid="$__user" --regid="$(id -g "$__user")" --init-groups \
    env HOME="$__home" USER="$__user" LOGNAME="$__user" SHELL=/bin/bash bash -l
fi
[ -f ~/.bashrc ] && . ~/.bashrc
