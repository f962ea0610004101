package gerrittest_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"porthole/gerrit/gerrittest"
)

// TestStateSurvivesARestart: a server with a StateFile, stopped and started
// again on the same repositories, answers every change as before (votes,
// messages, status, revisions), numbers new changes after the old ones, and
// runs the gate that was pending when it stopped.
func TestStateSurvivesARestart(t *testing.T) {
	repos, state := t.TempDir(), filepath.Join(t.TempDir(), "gerrit", "state.json")
	s := newServer(t, gerrittest.Options{RepoDir: repos, StateFile: state, CIDelay: time.Hour})
	merged := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Subject: "Merged before the restart"})
	call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", merged), "deployer", "", `{"message":"Backport","labels":{"Code-Review":2}}`)
	must(t, s.Vote(merged, gerrittest.JenkinsBot, "Verified", 2))
	call(t, s, "POST", fmt.Sprintf("a/changes/%d/submit", merged), "deployer", "", "")
	pending := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIPass, Subject: "Approved, gate still running"})
	call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", pending), "deployer", "", `{"labels":{"Code-Review":2}}`)
	before := call(t, s, "GET", fmt.Sprintf("a/changes/%d?o=ALL_REVISIONS&o=MESSAGES&o=DETAILED_LABELS", merged), "deployer", "", "")
	if st := s.Change(pending); st.Status != "NEW" {
		t.Fatalf("the gate ran before the restart (CIDelay 1h): %+v", st)
	}
	s.Close()

	s2, err := gerrittest.New(gerrittest.Options{RepoDir: repos, StateFile: state, BasePath: "/r/"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !s2.Restored() {
		t.Fatal("the second server did not read the state file")
	}
	after := call(t, s2, "GET", fmt.Sprintf("a/changes/%d?o=ALL_REVISIONS&o=MESSAGES&o=DETAILED_LABELS", merged), "deployer", "", "")
	host := regexp.MustCompile(`127\.0\.0\.1:\d+`) // the fetch URLs name the new port
	if host.ReplaceAllString(after.Body, "HOST") != host.ReplaceAllString(before.Body, "HOST") || after.Status != 200 {
		t.Errorf("change %d after the restart:\n%s\nbefore:\n%s", merged, after.Body, before.Body)
	}
	if st := s2.Change(pending); st.Status != "MERGED" {
		t.Errorf("the pending gate did not run after the restart: %+v", st)
	}
	if n := newChange(t, s2, gerrittest.ChangeSpec{CI: gerrittest.CIManual}); n != pending+1 {
		t.Errorf("a new change after the restart is %d, want %d", n, pending+1)
	}
}
