#!/usr/bin/env bash
# Packs the fake runner like a release tarball, for Docker image builds:
#   test/fakes/runner/make-tarball.sh OUT.tar.gz
#   test/fakes/runner/make-tarball.sh OUTDIR   -> OUTDIR/actions-runner-linux-x64-<ver>.tar.gz
# <ver> is FAKE_RUNNER_VERSION (default 2.336.0). Prints the tarball's path.
set -euo pipefail

here="$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
version="${FAKE_RUNNER_VERSION:-2.336.0}"
out="${1:?usage: make-tarball.sh OUT.tar.gz|OUTDIR}"
if [ -d "$out" ]; then
    out="$out/actions-runner-linux-x64-$version.tar.gz"
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -a "$here"/{config.sh,run.sh,run-helper.sh.template,env.sh,safe_sleep.sh,bin,externals} "$stage/"
# The fake's version is whatever the tarball's name says.
if [ "$version" != "2.336.0" ]; then
    sed -i "s/|| \"2.336.0\"/|| \"$version\"/" "$stage/bin/listener/knobs.mjs"
fi
# Entries without "./": extracting must not change the mode or owner of the target directory.
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out" config.sh run.sh run-helper.sh.template env.sh safe_sleep.sh bin externals
echo "$out"
