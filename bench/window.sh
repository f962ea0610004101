#!/usr/bin/env bash
# porthole's own time in a one-change backport window on the sandbox, and
# the SSH handshakes per host. See bench/README.md.
# Usage: bench/window.sh [-reps 5] [-change core]
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
go build -o "$out/porthole" ./cmd/porthole
go build -o "$out/window" ./bench/window
exec "$out/window" -porthole "$out/porthole" "$@"
