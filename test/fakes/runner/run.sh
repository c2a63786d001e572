#!/bin/bash
# Fake actions/runner run.sh: relaunches run-helper.sh while it exits 2.
# With RUNNER_MANUALLY_TRAP_SIG set, INT and TERM are trapped and sent as
# SIGINT to the helper's process group; without it bash forwards nothing.

dir="$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"

finish() {
    local code=$1
    echo "Exiting runner..."
    if [[ "$ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE" == "1" && $code -eq 7 ]]; then
        exit 7
    fi
    exit "${2:-0}"
}

loop_plain() {
    while true; do
        cp -f "$dir/run-helper.sh.template" "$dir/run-helper.sh"
        "$dir/run-helper.sh" $*
        code=$?
        [[ $code -eq 2 ]] || finish "$code" 0
        echo "Restarting runner..."
    done
}

loop_trapped() {
    set -m
    trap 'kill -INT -$helper' INT TERM
    while true; do
        cp -f "$dir/run-helper.sh.template" "$dir/run-helper.sh"
        "$dir/run-helper.sh" $* &
        helper=$!
        wait $helper
        code=$?
        if [[ $code -ne 2 ]]; then
            trap - INT TERM
            # The helper may still be printing its last lines after a signal.
            wait $helper
            finish "$code" "$code"
        fi
        echo "Restarting runner..."
    done
}

if [[ -z "$RUNNER_MANUALLY_TRAP_SIG" ]]; then
    loop_plain "$@"
else
    loop_trapped "$@"
fi
