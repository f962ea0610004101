package gerrittest

import "testing"

func TestMerge3(t *testing.T) {
	base := "a\nb\nc\nd\ne\nf\n"
	tests := []struct {
		name, ours, theirs, want string
		ok                       bool
	}{
		{"far apart", "A\nb\nc\nd\ne\nf\n", "a\nb\nc\nd\ne\nF\n", "A\nb\nc\nd\ne\nF\n", true},
		{"same change", "a\nB\nc\nd\ne\nf\n", "a\nB\nc\nd\ne\nf\n", "a\nB\nc\nd\ne\nf\n", true},
		{"same line", "a\nB\nc\nd\ne\nf\n", "a\nX\nc\nd\ne\nf\n", "", false},
		{"adjacent lines", "a\nB\nc\nd\ne\nf\n", "a\nb\nC\nd\ne\nf\n", "", false},
		{"insert and delete apart", "a\nb\nnew\nc\nd\ne\nf\n", "a\nb\nc\nd\nf\n", "a\nb\nnew\nc\nd\nf\n", true},
		{"both append", "a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nd\ne\nf\nh\n", "", false},
	}
	for _, tt := range tests {
		got, ok := merge3(base, tt.ours, tt.theirs)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("%s: merge3 = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
