package window_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
)

// TestSandboxPreflightBeforeTheVote: with a wrong staging_dir the window
// stops before any vote, says why, and the change is untouched in Gerrit.
func TestSandboxPreflightBeforeTheVote(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	env.Config.StagingDir = sb.StagingDir() + "-typo"
	n := sb.Changes["config"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	run := runSandbox(t, env, p, runbooks.RunOptions{}, nil)
	if run.err == nil || !strings.Contains(run.err.Error(), "pre-flight failed, nothing was approved") ||
		!strings.Contains(run.err.Error(), "staging_dir "+env.Config.StagingDir+" does not exist") {
		t.Fatalf("want a pre-flight failure naming staging_dir, got %v", run.err)
	}
	st := sb.Gerrit.Change(n)
	if st.Status != "NEW" || st.Votes["Code-Review"][sb.Config.Gerrit.User] != 0 {
		t.Fatalf("change %d was voted on or merged: %s %v", n, st.Status, st.Votes)
	}
	if len(run.gates) != 0 {
		t.Errorf("asked %v before the pre-flight", run.gates)
	}
}
