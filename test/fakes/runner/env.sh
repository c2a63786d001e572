#!/bin/bash
# Fake actions/runner env.sh: snapshots PATH into .path and a few well-known
# variables into .env (kept if already there), which jobs then inherit.

known_vars=(LANG JAVA_HOME ANT_HOME M2_HOME ANDROID_HOME ANDROID_SDK_ROOT GRADLE_HOME NVM_BIN NVM_PATH LD_LIBRARY_PATH PERL5LIB)

[ -f .env ] || touch .env
existing="$(cat .env)"
echo "$PATH" > .path

for name in "${known_vars[@]}"; do
    if ! grep -q "^${name}=" <<<"$existing" && [ -n "${!name}" ]; then
        echo "${name}=${!name}" >> .env
    fi
done
