package window_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
	"porthole/window"
)

// TestSandboxRevertCheckoutGone: the checkout to revert in is gone when the
// deployer confirms the revert. Its gate shows `cd DIR && git revert …`;
// what runs does that or nothing: no git command runs elsewhere (the login
// directory), nothing is synced or pushed, and the window says "DIR does
// not exist on deploy1002".
func TestSandboxRevertCheckoutGone(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	r, err := runbookstest.RunPlan(t, env, p, nil)
	if err != nil {
		t.Fatalf("backport window: %v", err)
	}
	n := sb.Changes["core"]
	dir := r.Facts().Change(n).Repo
	rp, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	scaps := len(sb.ScapSpans())
	var gate runbooks.Gate
	run := runSandbox(t, env, rp, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID == "revert" {
			gate = g.Gate
			if err := os.Rename(dir, dir+".moved"); err != nil {
				t.Error(err)
			}
		}
		return "y"
	})
	if !strings.Contains(gate.Detail, "$ cd "+dir+" && git revert ") {
		t.Errorf("the revert's gate does not show the command as typed: %q", gate.Detail)
	}
	want := dir + " does not exist on " + sandbox.DeployHost
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Fatalf("revert: %v; want an error saying %q", run.err, want)
	}
	if got := sb.ScapSpans(); len(got) != scaps {
		t.Errorf("scap ran with the checkout gone: %v", got[scaps:])
	}
	for _, st := range emulatorChanges(sb.Gerrit) {
		if st.RevertOf == n {
			t.Errorf("change %d, a revert of %d, was pushed", st.Number, n)
		}
	}
}
