package gitops_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
)

// An option where a commit id belongs never reaches git as an option: Revert
// refuses it, and Log, RevParse and IsAncestor hand git --end-of-options.
func TestCommitIDsAreNeverOptions(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "written")
	evil := "--output=" + out
	if _, err := gitops.Revert(ctx, local(s), s.Dir, evil, gitops.RevertOptions{}); err == nil || !strings.Contains(err.Error(), "is not a commit id") {
		t.Fatalf("Revert(%q): %v", evil, err)
	}
	if _, err := gitops.Log(ctx, local(s), s.Dir, evil); err == nil {
		t.Fatal("Log took an option as its range")
	}
	if _, err := gitops.RevParse(ctx, local(s), s.Dir, evil); err == nil {
		t.Fatal("RevParse took an option as a revision")
	}
	if ok, _ := gitops.IsAncestor(ctx, local(s), s.Dir, evil, "HEAD"); ok {
		t.Fatal("IsAncestor said yes to an option")
	}
	for _, p := range []string{out, out + "^!", out + "^{commit}"} {
		if _, err := os.Stat(p); err == nil {
			t.Fatalf("git wrote %s", p)
		}
	}
	for id, want := range map[string]bool{"0123abc": true, strings.Repeat("a", 40): true, strings.Repeat("F", 64): true,
		"abc": false, "HEAD": false, "-n": false, "0123abz": false, strings.Repeat("a", 65): false} {
		if gitops.IsCommitID(id) != want {
			t.Errorf("IsCommitID(%q) = %v", id, !want)
		}
	}
}
