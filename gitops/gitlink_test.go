package gitops_test

import (
	"context"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
)

// Gitlink reads what a revision records for a submodule, at HEAD or at an
// older commit, and hands git no option.
func TestGitlinkAtARevision(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	before := s.Git(s.CoreDir, "rev-parse", "HEAD")
	old := s.Git(s.EchoDir(), "rev-parse", "HEAD")
	new := s.LocalCommit(s.EchoDir(), "Hooks: log every hook", map[string]string{"includes/Hooks.php": "<?php\n// every hook\n"})
	s.Git(s.CoreDir, "add", "extensions/Echo")
	s.Git(s.CoreDir, "commit", "-q", "-m", "Bump Echo")
	for rev, want := range map[string]string{"HEAD": new, before: old} {
		got, err := gitops.Gitlink(ctx, local(s), s.CoreDir, rev, "extensions/Echo")
		if err != nil || got != want {
			t.Errorf("Gitlink(%s) = %q, %v; want %s", rev, got, err, want)
		}
	}
	if _, err := gitops.Gitlink(ctx, local(s), s.CoreDir, "--output=x", "extensions/Echo"); err == nil {
		t.Error("an option was taken for a revision")
	}
}
