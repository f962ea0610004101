package window

import (
	"strconv"
	"strings"

	"porthole/internal/lazyre"
	"porthole/remote"
)

// scapProgressRe matches scap's ProgressReporter line, current and old:
//
//	06:39:48 sync-apaches: 100% (in-flight: 0; ok: 1; fail: 0; left: 0) |
//	sync-apaches:  42% (ok: 5; fail: 0; left: 7)
var scapProgressRe = lazyre.New(`^(?:\d{2}:\d{2}:\d{2}\s+)?([^\s:][^:]*?):\s+(\d{1,3})%\s+\((?:in-flight:\s*(\d+);\s*)?ok:\s*(\d+);\s*fail:\s*(\d+);\s*left:\s*(\d+)\)\s*[-\\|/]?\s*$`)

// ParseScapProgress reads one of scap's progress lines ("HH:MM:SS name: NN%
// (in-flight: N; ok: N; fail: N; left: N) spinner", or the older form without
// time, in-flight count or spinner). On a terminal scap rewrites the line with
// \r: the last rewrite counts.
func ParseScapProgress(line string) (remote.Progress, bool) {
	if i := strings.LastIndexByte(strings.TrimRight(line, "\r \t"), '\r'); i >= 0 {
		line = line[i+1:]
	}
	line = strings.TrimSpace(line)
	m := scapProgressRe.FindStringSubmatch(line)
	if m == nil {
		return remote.Progress{}, false
	}
	n := func(s string) int {
		v, _ := strconv.Atoi(s)
		return v
	}
	p := remote.Progress{Name: strings.TrimSpace(m[1]), OK: n(m[4]), Failed: n(m[5]), InFlight: n(m[3])}
	p.Total = p.OK + p.Failed + p.InFlight + n(m[6])
	return p, true
}
