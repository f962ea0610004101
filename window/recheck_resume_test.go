package window

import (
	"context"
	"strings"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
	"porthole/gitops/gitopstest"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// TestResumeAfterADeclinedRecheckWaitsForCI: CI fails after the +2 and the
// deployer does not recheck from porthole: the window stops saying what to
// do, and the journal remembers the failure as shown. Resumed (porthole
// started again), the wait does not fail at once on that failure: it says it
// waits for CI's next result, which a "recheck" typed in Gerrit brings.
func TestResumeAfterADeclinedRecheckWaitsForCI(t *testing.T) {
	f := newBPFixture(t)
	srv := withEmulator(t, f)
	n, err := srv.CreateChange(gerrittest.ChangeSpec{Project: gitopstest.ConfigProject, Branch: "master",
		Subject: "Broken config", Files: map[string]string{"wmf-config/CommonSettings.php": "<?php\n// broken\n"}, Owner: "owner", CI: gerrittest.CIFail})
	if err != nil {
		t.Fatal(err)
	}
	p := f.build("backport", map[string]string{"changes": itoaBP(n)})
	err = runClosed(t, f, p, runbooks.RunOptions{}, func(e runbooks.Event) string {
		if g, ok := e.(runbooks.GateRequest); ok && strings.Contains(g.Gate.Prompt, "recheck") {
			return "n"
		}
		return "y"
	})
	if err == nil || !strings.Contains(err.Error(), "then retry this step: it waits for CI's next result") {
		t.Fatalf("the declined recheck ended the window with %v", err)
	}
	path, err := journal.FindWindow(f.env.Config.StateDir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	state, err := journal.LoadWindow(path)
	if err != nil {
		t.Fatal(err)
	}
	if state.Facts.Change(n).CIFailureShown.IsZero() {
		t.Fatalf("the journal does not remember the CI failure as shown: %+v", state.Facts.Change(n))
	}

	rp, opts, err := runbooks.Resume(context.Background(), f.env, state)
	if err != nil {
		t.Fatal(err)
	}
	waited, commented, asked := false, false, 0
	err = runClosed(t, f, rp, opts, func(e runbooks.Event) string {
		switch ev := e.(type) {
		case runbooks.StepNote:
			if !waited && strings.Contains(ev.Text, "already shown, waiting for CI's next result") {
				waited = true // a poll that did not end the wait: recheck by hand, in Gerrit
				ch, err := f.env.Gerrit.Resolve(context.Background(), itoaBP(n))
				if err == nil {
					err = f.env.Gerrit.(*gerrit.Client).Comment(context.Background(), ch, "recheck")
				}
				if err != nil {
					t.Error(err)
				}
				commented = true
			}
		case runbooks.GateRequest:
			if strings.Contains(ev.Gate.Prompt, "recheck") {
				asked++
				if !commented {
					t.Errorf("asked about a CI failure before CI reported again: %s", ev.Gate.Detail)
				}
				return "n"
			}
		}
		return "y"
	})
	if !waited || asked != 1 || err == nil || !strings.Contains(err.Error(), "failed CI") {
		t.Fatalf("the resumed wait: waited %v, asked %d times, ended with %v", waited, asked, err)
	}
}

// runClosed runs p with its journal, shows every event to see (which
// answers a gate), closes the journal and returns how the run ended.
func runClosed(t *testing.T, f *bpFixture, p *runbooks.Plan, opts runbooks.RunOptions, see func(runbooks.Event) string) error {
	t.Helper()
	j, err := runbooks.OpenJournal(f.env.Config.StateDir, p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := runbooks.NewRunner(f.env, p, j, opts)
	r.Start(context.Background())
	var runErr error
	for e := range r.Events() {
		choice := see(e)
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: choice, By: "alice", At: time.Now()})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	return runErr
}
