#!/usr/bin/env bash
# Diff-viewer benchmark: generate a 100,000-line `git log -p`, then measure
# porthole's diff viewer in-process (first screen, page-down, heap against
# the file's size) and in a real terminal next to less on the same file
# (tmux 80x24: first screen drawn, page-down shown, RSS); print the table and
# check the targets (first screen < 100 ms, page-down < 5 ms, heap < 3x).
# The Go benchmarks (go test -bench ./bench/diffview) give the same figures
# in Go's format.
#   bench/diffview.sh [lines]
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-100000}"
work="$(mktemp -d)"
trap 'tmux kill-session -t porthole-diffview-bench 2>/dev/null || true; rm -rf "$work"' EXIT

go run ./bench/diffview/gen -lines "$lines" -o "$work/log.patch"
go build -o "$work/view" ./bench/diffview/view
go build -o "$work/cmp" ./bench/diffview/cmp
echo "== go test -bench, $(wc -l <"$work/log.patch") lines, $(du -h "$work/log.patch" | cut -f1)"
DIFFVIEW_PATCH="$work/log.patch" go test -run '^$' -bench 'FirstScreen|PageDown' -benchtime 50x -count 1 ./bench/diffview/ | grep -E '^Benchmark'
echo
echo "== the same file in-process and in a terminal next to less, one run"
"$work/cmp" -patch "$work/log.patch" -viewer "$work/view" -runs 5 -pages 10
