#!/usr/bin/env bash
# Diff-viewer benchmark: generate a 100,000-line `git log -p`, then measure
# porthole's diff viewer in-process (first screen, page-down, heap against
# the file's size) and in a real terminal next to less on the same file, in
# one run, taking turns (tmux 80x24: first screen drawn, page-down shown,
# RSS): the diff viewer (bench/diffview/view: porthole's diffview drawn by
# porthole's tui/display, what is checked against less), less once more
# (the run's own noise), the porthole binary started cold (`porthole tui
# --diff FILE`: reported, not checked, see below), the viewer drawn by
# Bubble Tea's renderer, and the floor (bench/diffview/floor: the least a Go
# viewer does, coloured pages of the same size); print the table with the
# load average and check the targets (first screen < 100 ms, page-down
# < 5 ms, heap < 3x in-process; the diff viewer no slower than less in
# tmux). Exits 1 when one is missed.
#
# Why the viewer and not the porthole binary is checked: a deployer sees a
# diff inside a running porthole (the review gate, the d key), where opening
# it is the in-process first screen plus one frame. `porthole tui --diff`
# started cold also pays porthole's process start: the package init of
# everything porthole links (goldmark, x/crypto/ssh, go-git, its own
# regexps: ~7 ms) and a 31 MB binary; its row shows that cost. The viewer is
# built without cgo: the dynamic loader (libc, 2-3 ms) is process start too,
# not the viewer's. See bench/README.md.
# The Go benchmarks (go test -bench ./bench/diffview) give the same figures
# in Go's format.
#   bench/diffview.sh [lines]      (RUNS=N: runs per viewer, 9 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-100000}"
work="$(mktemp -d)"
trap 'tmux kill-session -t porthole-diffview-bench 2>/dev/null || true; rm -rf "$work"' EXIT

go run ./bench/diffview/gen -lines "$lines" -o "$work/log.patch"
go build -o "$work/porthole" ./cmd/porthole
CGO_ENABLED=0 go build -o "$work/view" ./bench/diffview/view
go build -o "$work/floor" ./bench/diffview/floor
go build -o "$work/cmp" ./bench/diffview/cmp
echo "== go test -bench, $(wc -l <"$work/log.patch") lines, $(du -h "$work/log.patch" | cut -f1)"
DIFFVIEW_PATCH="$work/log.patch" go test -run '^$' -bench 'FirstScreen|PageDown' -benchtime 50x -count 1 ./bench/diffview/ | grep -E '^Benchmark'
echo
echo "== the binaries: size, and package init before main (GODEBUG=inittrace=1, outside tmux, 3 starts)"
for b in porthole view; do
	for i in 1 2 3; do
		{ GODEBUG=inittrace=1 "$work/$b" -h 2>&1 >/dev/null || true; } |
			awk -v b="$b" -v size="$(du -m "$work/$b" | cut -f1)" '/^init/ { s += $5; if ($5 >= 1) big = big " " $2 " " $5 } END { printf "%-8s %3d MB  init %5.1f ms:%s\n", b, size, s, big }'
	done
done
echo
echo "== the same file in-process and in a terminal next to less, one run"
"$work/cmp" -patch "$work/log.patch" -runs "${RUNS:-9}" -pages 10 \
	-viewer "diff viewer (diffview + tui/display)=$work/view" \
	-viewer "less -S again (the run's noise)=less -S" \
	-viewer "porthole tui --diff (cold binary, not checked)=$work/porthole tui --diff" \
	-viewer "diff viewer, Bubble Tea's renderer=$work/view -bubbletea" \
	-viewer "floor (Go: read a key, write a page)=$work/floor"
