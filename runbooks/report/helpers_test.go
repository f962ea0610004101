package report

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// testEnv is an Env whose roles are remote.Local executors named like hosts.
func testEnv(t *testing.T, hosts map[string][]string) *runbooks.Env {
	t.Helper()
	cfg := config.DefaultConfig()
	cfg.StateDir = t.TempDir()
	for role, hs := range hosts {
		cfg.Hosts[role] = hs
	}
	dial := func(host string) (remote.Executor, error) { return &remote.Local{Name: host}, nil }
	return &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, dial), User: "alice"}
}

// newJournal opens a journal for plan in a temp state dir.
func newJournal(t *testing.T, plan *runbooks.Plan) (*journal.Journal, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	j, err := runbooks.OpenJournal(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

// runYes runs r to its end answering every gate "y" and returns its error.
func runYes(r *runbooks.Runner) error {
	r.Start(context.Background())
	var err error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y", By: "bob", At: time.Now()})
		case runbooks.RunFinished:
			err = ev.Err
		}
	}
	return err
}

// shStep is a step that runs a shell command on role through the runner's default Do.
func shStep(id, role, cmd string) *runbooks.Step {
	return &runbooks.Step{ID: id, Title: "Step " + id, Role: role, Command: cmd}
}
