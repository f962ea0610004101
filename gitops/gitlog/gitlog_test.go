package gitlog_test

import (
	"strings"
	"testing"

	"porthole/gitops/gitlog"
)

func TestCommitHeader(t *testing.T) {
	sha1 := "0123456789abcdef0123456789abcdef01234567"
	sha256 := sha1 + "0123456789abcdef01234567"
	for line, want := range map[string]string{
		"commit " + sha1:                          sha1,
		"commit " + sha1 + " (HEAD -> main)":      sha1,
		"commit " + sha1 + " (from " + sha1 + ")": sha1,
		"commit " + sha1 + "\r":                   sha1,
		"commit " + sha256:                        sha256,
		"    commit " + sha1:                      "", // quoted in a message
		"+commit " + sha1:                         "", // in a diff
		"commit " + strings.ToUpper(sha1):         "",
		"commit " + sha1[:7]:                      "", // abbreviated: never in porthole's logs
		"commit " + sha1 + "0":                    "",
		"commit " + sha1 + ".":                    "",
		"commit to the plan":                      "",
		"commit ":                                 "",
		"":                                        "",
	} {
		got, ok := gitlog.CommitHeader([]byte(line))
		if got != want || ok != (want != "") {
			t.Errorf("CommitHeader(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}

func TestChangeIDLine(t *testing.T) {
	id := "I" + strings.Repeat("0a", 20)
	for line, want := range map[string]string{
		"Change-Id: " + id:                  id,
		"    Change-Id: " + id:              id, // a submodule bump quotes them indented
		"\tChange-Id:\t" + id + " \r":       id,
		"Change-Id: " + id[:40]:             "",
		"Change-Id: " + strings.ToUpper(id): "",
		"Change-Id: x" + id[1:]:             "",
		"Change-ID: " + id:                  "",
		"Bug: T1":                           "",
	} {
		got, ok := gitlog.ChangeIDLine([]byte(line))
		if got != want || ok != (want != "") {
			t.Errorf("ChangeIDLine(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}

func TestSplitLog(t *testing.T) {
	a := "commit " + strings.Repeat("a", 40) + "\n\n    Quotes\n    commit " + strings.Repeat("c", 40) + "\n"
	b := "commit " + strings.Repeat("b", 40) + " (tag: x)\r\ndiff --git a/f b/f\n"
	pre, commits := gitlog.SplitLog([]byte("noise\n" + a + b))
	if string(pre) != "noise\n" || len(commits) != 2 || string(commits[0]) != a || string(commits[1]) != b {
		t.Fatalf("pre %q commits %q", pre, commits)
	}
	plain := "diff --git a/f b/f\n+commit " + strings.Repeat("a", 40)
	if pre, commits := gitlog.SplitLog([]byte(plain)); string(pre) != plain || commits != nil {
		t.Fatalf("a plain diff: pre %q commits %q", pre, commits)
	}
	if pre, commits := gitlog.SplitLog(nil); len(pre) != 0 || commits != nil {
		t.Fatalf("empty: pre %q commits %q", pre, commits)
	}
}
