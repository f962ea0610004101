#!/usr/bin/env bash
# Fan-out benchmark, in one run: porthole exec vs parallel-ssh, clush and a
# bare x/crypto/ssh loop on loopback sshd hosts, directly and through a
# ProxyJump bastion. See bench/README.md.
# Usage: bench/fanout.sh [harness flags, e.g. -reps 5, -n 1000 -work true, -bastion 0]
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
go build -o "$out/porthole" ./cmd/porthole
go build -o "$out/gofan" ./bench/fanout/gofan
go build -o "$out/fanout" ./bench/fanout
exec "$out/fanout" -bin "$out" -out "$out" "$@"
