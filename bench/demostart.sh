#!/usr/bin/env bash
# porthole demo's start in a real terminal: build porthole, launch
# `porthole demo` in tmux (100x30) N times and time how long until Home is
# on screen and until the sandbox behind it is ready; checks that the first
# screen comes in under 0.5 s (median). Needs tmux.
#   bench/demostart.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/porthole" ./cmd/porthole
go build -o "$work/demostart" ./bench/demostart
echo "== porthole demo in tmux 100x30, $runs launches, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/demostart" -bin "$work/porthole" -runs "$runs"
