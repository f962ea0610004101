package gerrit

import (
	"reflect"
	"testing"
)

func TestFootersBugsDependsOn(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		bugs    []string
		depends []string
		footers int
	}{
		{"subject only", "Fix the thing\n", nil, nil, 0},
		{"one bug", "Fix the thing\n\nLonger text.\n\nBug: T123\nChange-Id: " + cid + "\n", []string{"T123"}, nil, 2},
		{"two bug lines and a comma list", "Fix\n\nBug: T1\nBug: T2, T3\nBug: T1\nChange-Id: " + cid + "\n", []string{"T1", "T2", "T3"}, nil, 4},
		{"bug in the body is not a footer", "Fix\n\nBug: T9 is mentioned here\nand more prose.\n\nChange-Id: " + cid + "\n", nil, nil, 1},
		{"lower-case key and CRLF", "Fix\r\n\r\nbug: T77\r\nChange-Id: " + cid + "\r\n", []string{"T77"}, nil, 2},
		{"old bugzilla numbers ignored", "Fix\n\nBug: 12345\nChange-Id: " + cid + "\n", nil, nil, 2},
		{"depends-on forms", "Fix\n\nDepends-On: I0123456789abcdef0123456789abcdef01234567\ndepends-on: https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1234\nChange-Id: " + cid + "\n",
			nil, []string{"I0123456789abcdef0123456789abcdef01234567", "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1234"}, 3},
		{"depends-on outside the footers still counts (Zuul)", "Fix\n\nDepends-On: 4242\n\nBug: T5\nChange-Id: " + cid + "\n", []string{"T5"}, []string{"4242"}, 2},
		{"trailing blank lines", "Fix\n\nBug: T8\n\n\n", []string{"T8"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bugs(tt.msg); !reflect.DeepEqual(got, tt.bugs) {
				t.Errorf("Bugs = %q, want %q", got, tt.bugs)
			}
			if got := DependsOn(tt.msg); !reflect.DeepEqual(got, tt.depends) {
				t.Errorf("DependsOn = %q, want %q", got, tt.depends)
			}
			if got := Footers(tt.msg); len(got) != tt.footers {
				t.Errorf("Footers = %q, want %d", got, tt.footers)
			}
		})
	}
}
