#!/bin/bash
# Fake actions/runner config.sh (test fixture): the real script's contract
# without its .NET dependency checks. Refuses root, records the environment
# (env.sh), then hands everything to bin/Runner.Listener.

if [ "$(id -u)" -eq 0 ] && [ -z "$RUNNER_ALLOW_RUNASROOT" ]; then
    echo "Must not run with sudo"
    exit 1
fi

self="$(readlink -f "${BASH_SOURCE[0]}")"
cd "$(dirname "$self")" || exit 1

source ./env.sh

shopt -s nocasematch
case "$1" in
    remove) ./bin/Runner.Listener "$@" ;;
    *) ./bin/Runner.Listener configure "$@" ;;
esac
