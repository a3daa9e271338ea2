#!/bin/sh
# Installs the Debian packages lrlab needs, and only those that are missing.
# Idempotent and silent when everything is present. Usage: scripts/install-deps.sh [extra packages]
set -eu

PACKAGES="build-essential clang libclang-rt-14-dev pkg-config libcriterion-dev libbenchmark-dev zlib1g-dev \
gnuplot-nox pandoc parallel dataset-fashion-mnist libsleef-dev"
# python3 runs the docs weaver (scripts/weave.py: standard library only).
PACKAGES="$PACKAGES python3"
# valgrind runs the memcheck smoke test (make valgrind).
PACKAGES="$PACKAGES valgrind"
PACKAGES="$PACKAGES ${*:-}"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: not root and sudo is unavailable; install them with: apt-get install$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
