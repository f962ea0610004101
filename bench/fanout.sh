#!/usr/bin/env bash
# Fan-out benchmark, in one run: porthole exec vs parallel-ssh, clush and a
# bare x/crypto/ssh loop on 100 loopback sshd hosts. See bench/README.md.
# Usage: bench/fanout.sh [harness flags, e.g. -reps 5 -n 100 -p 32]
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
go build -o "$out/porthole" ./cmd/porthole
go build -o "$out/gofan" ./bench/fanout/gofan
go build -o "$out/fanout" ./bench/fanout
exec "$out/fanout" -bin "$out" -out "$out" "$@"
