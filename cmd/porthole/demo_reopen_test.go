package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/sandbox"
)

// TestDemoDirReopensWithItsJournals: porthole demo --dir D says where the
// journals are kept and how to reopen; run again on D it reopens the
// sandbox with its journals, so the unfinished window can be resumed;
// without --dir it says the journals go with the sandbox.
func TestDemoDirReopensWithItsJournals(t *testing.T) {
	saved := demoTUI
	t.Cleanup(func() { demoTUI = saved })
	dir := filepath.Join(t.TempDir(), "sb")
	var unfinished []journal.WindowSummary
	var stateDir string
	demoTUI = func(ctx context.Context, start demoStarter) error {
		sb, err := start(ctx, func(string) {})
		if err != nil {
			return err
		}
		stateDir = config.StateDir(sb.Config)
		if unfinished, err = journal.Unfinished(stateDir); err != nil {
			t.Error(err)
		}
		if len(unfinished) == 0 { // the first run: a window whose step failed
			p := &runbooks.Plan{ID: "20260303-140000-backport-1000", Kind: "backport", Title: "Backport 1000",
				Steps: []*runbooks.Step{{ID: "s", Title: "A step", Role: config.RoleLocal, Command: "exit 3"}}}
			j, err := runbooks.OpenJournal(stateDir, p)
			if err != nil {
				t.Fatal(err)
			}
			env := &runbooks.Env{Config: sb.Config, User: sb.User, Hosts: config.NewHosts(sb.Config, nil)}
			r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
			r.Start(ctx)
			for range r.Events() {
			}
			j.Close()
		}
		return errors.New("tui closed")
	}
	var first, second, temp lockedBuffer
	if err := demo(context.Background(), []string{"--dir", dir, "--ci-delay", "0s"}, &first); err == nil || err.Error() != "tui closed" {
		t.Fatalf("demo --dir: %v\n%s", err, first.String())
	}
	if want := "its journals are in " + stateDir + ": porthole demo --dir " + dir + " reopens it"; !strings.Contains(first.String(), want) {
		t.Errorf("the first run does not say %q:\n%s", want, first.String())
	}
	if !sandbox.Reopens(dir) {
		t.Fatalf("%s is not a sandbox to reopen", dir)
	}
	if err := demo(context.Background(), []string{"--dir", dir, "--ci-delay", "0s"}, &second); err == nil || err.Error() != "tui closed" {
		t.Fatalf("demo --dir again: %v\n%s", err, second.String())
	}
	if want := "reopening the sandbox in " + dir + " as it was left: Gerrit's changes, the hosts' files and the journals (its windows can be resumed)"; !strings.Contains(second.String(), want) {
		t.Errorf("the second run does not say %q:\n%s", want, second.String())
	}
	if len(unfinished) != 1 || unfinished[0].ID != "20260303-140000-backport-1000" {
		t.Fatalf("the reopened sandbox offers %+v for resume, want the window left unfinished", unfinished)
	}

	if err := demo(context.Background(), []string{"--ci-delay", "0s"}, &temp); err == nil || err.Error() != "tui closed" {
		t.Fatalf("demo: %v\n%s", err, temp.String())
	}
	if want := "the sandbox and its journals (" + stateDir + ") are removed: porthole demo --dir DIR keeps them"; !strings.Contains(temp.String(), want) {
		t.Errorf("without --dir, demo does not say %q:\n%s", want, temp.String())
	}
	if _, err := os.Stat(stateDir); !os.IsNotExist(err) {
		t.Errorf("the temporary sandbox's journals are left: %v", err)
	}
}
