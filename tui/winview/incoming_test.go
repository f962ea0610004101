package winview

import "testing"

func TestIsCommitLine(t *testing.T) {
	for l, want := range map[string]bool{
		"commit 0123456789abcdef0123456789abcdef01234567":                true,
		"commit 0123456789abcdef0123456789abcdef01234567 (HEAD -> main)": true,
		"    commit 0123456789abcdef0123456789abcdef01234567":            false, // in a message
		"+commit 0123456789abcdef0123456789abcdef01234567":               false, // in a diff
		"commit to the plan": false,
	} {
		if isCommitLine(l) != want {
			t.Errorf("isCommitLine(%q) = %v", l, !want)
		}
	}
}
