package window

import "testing"

func TestParseScapProgress(t *testing.T) {
	cases := []struct {
		line                               string
		name                               string
		total, ok, fail, inflight, percent int
	}{
		// from scap's stored transcript (reference/scap.md)
		{"06:39:44 sync-apaches:   0% (ok: 0; fail: 0; left: 1)", "sync-apaches", 1, 0, 0, 0, 0},
		{"06:39:48 sync-apaches: 100% (in-flight: 0; ok: 1; fail: 0; left: 0)", "sync-apaches", 1, 1, 0, 0, 100},
		// TTY form: padded to 80 columns with a spinner
		{"10:01:02 sync-testservers:  50% (in-flight: 1; ok: 1; fail: 0; left: 0) /             ", "sync-testservers", 2, 1, 0, 1, 50},
		{"10:01:02 sync-canaries:  40% (in-flight: 1; ok: 2; fail: 0; left: 2) \\", "sync-canaries", 5, 2, 0, 1, 40},
		// old scap: no time, no in-flight, no spinner
		{"sync-apaches: 42% (ok: 5; fail: 0; left: 7)", "sync-apaches", 12, 5, 0, 0, 41},
		{"scap-cdb-rebuild:  33% (ok: 1; fail: 1; left: 4)", "scap-cdb-rebuild", 6, 1, 1, 0, 33},
		{"12:00:00 K8s deployment progress:  10% (in-flight: 2; ok: 1; fail: 0; left: 7) -", "K8s deployment progress", 10, 1, 0, 2, 10},
		// a stage with nothing to do: 0 of 0 is 0%, as scap computes it (not 100%)
		{"php-fpm-restart:   0% (ok: 0; fail: 0; left: 0)", "php-fpm-restart", 0, 0, 0, 0, 0},
		{"20:01:02 php-fpm-restart:   0% (ok: 0; fail: 0; left: 0)                                 ", "php-fpm-restart", 0, 0, 0, 0, 0},
		// a terminal rewrite: only the last state counts
		{"sync-apaches:  10% (ok: 1; fail: 0; left: 9)\rsync-apaches:  20% (ok: 2; fail: 0; left: 8)", "sync-apaches", 10, 2, 0, 0, 20},
	}
	for _, c := range cases {
		p, ok := ParseScapProgress(c.line)
		if !ok {
			t.Errorf("%q: not parsed", c.line)
			continue
		}
		if p.Name != c.name || p.Total != c.total || p.OK != c.ok || p.Failed != c.fail || p.InFlight != c.inflight || p.Percent() != c.percent {
			t.Errorf("%q: got %+v (%d%%)", c.line, p, p.Percent())
		}
	}
	for _, bad := range []string{
		"",
		"Started scap sync-file: Backport: [[gerrit:1|x]]",
		"Synchronized php-1.44.0-wmf.5/includes/Foo.php: Backport: [[gerrit:1|x]] (duration: 00m 05s)",
		"06:39:44 Per-host sync duration: average 1.2s, median 1.1s",
		"sync-apaches: 42% (ok: x; fail: 0; left: 7)",
		"[sandbox] scap stand-in: sync-file",
	} {
		if p, ok := ParseScapProgress(bad); ok {
			t.Errorf("%q parsed as %+v", bad, p)
		}
	}
}
