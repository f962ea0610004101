package main

import (
	"errors"
	"reflect"
	"testing"
)

func TestWindowArgs(t *testing.T) {
	cases := []struct {
		kind string
		in   []string
		want []string
	}{
		{"backport", []string{"1000"}, []string{"backport", "--param", "changes=1000"}},
		{"backport", []string{"--config", "c.yaml", "1000", "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1001"},
			[]string{"backport", "--param", "changes=1000 https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1001", "--config", "c.yaml"}},
		{"revert", []string{"1000", "--reason", "fatals on enwiki; see T1"},
			[]string{"revert", "--param", "changes=1000", "--param", "reason=fatals on enwiki; see T1"}},
		{"revert", []string{"--reason=x y", "-config=c.yaml", "1000"},
			[]string{"revert", "--param", "changes=1000", "--param", "reason=x y", "-config=c.yaml"}},
	}
	for _, c := range cases {
		got, err := windowArgs(c.kind, c.in)
		if err != nil {
			t.Fatalf("%s %q: %v", c.kind, c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q:\n got %q\nwant %q", c.kind, c.in, got, c.want)
		}
	}
	for _, bad := range [][]string{{}, {"--config", "c.yaml"}, {"1000", "--reason"}} {
		var ue usageError
		if _, err := windowArgs("revert", bad); !errors.As(err, &ue) {
			t.Errorf("revert %q: want a usage error, got %v", bad, err)
		}
	}
}
