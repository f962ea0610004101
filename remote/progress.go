package remote

import "fmt"

// Progress counts hosts of a fan-out (or a scap progress line) the way scap prints them.
type Progress struct {
	Name     string // e.g. sync-apaches
	Total    int
	OK       int
	Failed   int
	InFlight int
}

// Done is how many hosts finished, well or not.
func (p Progress) Done() int { return p.OK + p.Failed }

// Left is how many hosts have not started.
func (p Progress) Left() int { return p.Total - p.Done() - p.InFlight }

// Percent is floor(100*done/max(total,1)), as scap computes it: a stage
// with nothing to do ("php-fpm-restart:   0% (ok: 0; fail: 0; left: 0)") is 0%.
func (p Progress) Percent() int {
	return 100 * p.Done() / max(p.Total, 1)
}

// String renders the progress in scap's format: "name: 42% (in-flight: 1; ok: 4; fail: 0; left: 5)".
func (p Progress) String() string {
	return fmt.Sprintf("%s: %3d%% (in-flight: %d; ok: %d; fail: %d; left: %d)",
		p.Name, p.Percent(), p.InFlight, p.OK, p.Failed, p.Left())
}
