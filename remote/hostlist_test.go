package remote

import (
	"slices"
	"testing"
)

func TestExpandHosts(t *testing.T) {
	for in, want := range map[string][]string{
		"h1,h2":                     {"h1", "h2"},
		"h[1-3,5]":                  {"h1", "h2", "h3", "h5"},
		"mw[1001-1002].eqiad.wmnet": {"mw1001.eqiad.wmnet", "mw1002.eqiad.wmnet"},
		"h[08-10]":                  {"h08", "h09", "h10"},
		"r[1-2]c[1-2]":              {"r1c1", "r1c2", "r2c1", "r2c2"},
		" deploy1002 , h1,h1,,":     {"deploy1002", "h1"},
		"me@h[1-2]:22":              {"me@h1:22", "me@h2:22"},
	} {
		got, err := ExpandHosts(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ExpandHosts(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"h[1-", "h]", "h[3-1]", "h[a-b]", "h[1-9999999]"} {
		if _, err := ExpandHosts(bad); err == nil {
			t.Errorf("ExpandHosts(%q) accepted", bad)
		}
	}
}

func TestFoldHosts(t *testing.T) {
	for want, in := range map[string][]string{
		"h[1-3,5]":                       {"h3", "h1", "h2", "h5"},
		"deploy1002,mw[1001-1002].eqiad": {"deploy1002", "mw1001.eqiad", "mw1002.eqiad"},
		"h[08-10]":                       {"h08", "h09", "h10"},
		"bastion,h7":                     {"bastion", "h7"},
		"h[9-11]":                        {"h10", "h9", "h11"},
		"h[1-2,01-02]":                   {"h01", "h1", "h2", "h02"},
	} {
		if got := FoldHosts(in); got != want {
			t.Errorf("FoldHosts(%v) = %q, want %q", in, got, want)
		}
		if back, _ := ExpandHosts(want); len(back) != len(in) {
			t.Errorf("%q does not expand back to %d hosts: %v", want, len(in), back)
		}
	}
}
