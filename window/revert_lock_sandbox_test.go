package window_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
	"porthole/window"
)

// TestSandboxRevertTakesTheBackportLock: a revert window holds scap's
// backport lock as a backport window does, from its confirmation (a
// declined revert holds nothing) to its end. While another window holds it,
// the revert waits, then stops with scap's message before reverting
// anything; started from the window it undoes while that window still
// holds the lock (the `r` key mid-window), it works under that lock, and
// releases it at its end when that window can no longer resume.
func TestSandboxRevertTakesTheBackportLock(t *testing.T) {
	sb, env, p, file, before := coreWindow(t)
	r, err := runbookstest.RunPlan(t, env, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	deployed, _ := sb.ReadAppServerFile("mw1001", file)
	if string(deployed) == string(before) {
		t.Fatal("the window did not deploy")
	}
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	other := "Backport for 999 (porthole window 20261207-000000-backport-999 by someone)"
	if err := os.WriteFile(lockFile, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	env.Config.LockWait = time.Second
	rp, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	if g := rp.Steps[0].Gate; g == nil || !strings.Contains(g.Detail, "holding scap's backport lock ("+lockFile+")") || rp.Steps[len(rp.Steps)-1].ID != "backport-unlock" {
		t.Errorf("the revert's confirmation does not say it takes the lock, or its last step is %s", rp.Steps[len(rp.Steps)-1].ID)
	}
	r1, err := runbookstest.RunPlan(t, env, rp, nil)
	if err == nil || !strings.Contains(err.Error(), `Failed to acquire lock "`+lockFile+`"`) || !strings.Contains(err.Error(), "Backport for 999") {
		t.Fatalf("a revert while another window holds the lock: %v", err)
	}
	if got, _ := sb.ReadAppServerFile("mw1001", file); string(got) != string(deployed) {
		t.Error("the revert synced although it did not get the lock")
	}
	if cf := r1.Facts().Change(rp.Changes[0].Number); cf.Reverted != "" || cf.Synced {
		t.Errorf("the refused revert's facts: reverted %q, synced %v", cf.Reverted, cf.Synced)
	}

	parent := "Backport: [[gerrit:1000|…]] (porthole window " + p.ID + " by " + env.User + ")"
	if err := os.WriteFile(lockFile, []byte(parent), 0o644); err != nil {
		t.Fatal(err)
	}
	rp2, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	rp2.ID = rp.ID + "-again" // built within the same second
	var notes []string
	r2, err := runbookstest.RunPlan(t, env, rp2, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepNote); ok {
			notes = append(notes, ev.Text)
		}
	})
	if err != nil {
		t.Fatalf("a revert under its window's lock: %v", err)
	}
	n := rp2.Changes[0].Number
	if cf := r2.Facts().Change(n); cf.Reverted == "" || !cf.Synced {
		t.Errorf("the revert's facts of %d: reverted %q, synced %v (want both: the revert is live)", n, cf.Reverted, cf.Synced)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "window "+p.ID+", which this revert undoes, holds") {
		t.Errorf("no note says the revert works under its window's lock:\n%s", strings.Join(notes, "\n"))
	}
	if got, _ := sb.ReadAppServerFile("mw1001", file); string(got) != string(before) {
		t.Error("the revert under its window's lock did not sync")
	}
	// The window it undid finished (it cannot resume): nobody else would
	// release its lock, so the revert does.
	if _, err := os.Stat(lockFile); !os.IsNotExist(err) {
		t.Errorf("the lock of the finished window the revert undid is left: %v", err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "window "+p.ID+" can no longer resume (this revert took back what it synced): its lock") {
		t.Errorf("no note says the revert released its window's lock:\n%s", strings.Join(notes, "\n"))
	}
}

// TestSandboxRevertLeavesAnotherWindowsLock: when the revert window ends,
// the backport lock is another's (the revert's was removed by hand mid-way
// and another window, or scap backport, took it: here the sync does both).
// The release leaves it in place and says whose it is in its step's notes.
func TestSandboxRevertLeavesAnotherWindowsLock(t *testing.T) {
	for _, c := range []struct{ name, reason, note string }{
		{"window", "Backport for 999 (porthole window 20261207-000000-backport-999 by someone)",
			"window 20261207-000000-backport-999 holds the lock, not this window: its lock LOCK is left to it"},
		{"scap", "Backport for [[gerrit:999|…]] by someone",
			"LOCK is not this window's (reason: Backport for [[gerrit:999|…]] by someone): left alone"},
	} {
		t.Run(c.name, func(t *testing.T) { checkLockLeft(t, c.reason, c.note) })
	}
}

// checkLockLeft runs a revert window whose sync leaves the backport lock
// holding reason: the lock must stay, and the release note (LOCK standing
// for the lock's path) say so.
func checkLockLeft(t *testing.T, reason, note string) {
	sb, env, p, _, _ := coreWindow(t)
	r, err := runbookstest.RunPlan(t, env, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	env.Config.Commands.SyncFile += " && printf %s " + remote.Quote(reason) + " > " + remote.Quote(lockFile)
	rp, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string][]string{}
	if _, err := runbookstest.RunPlan(t, env, rp, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepNote); ok {
			notes[ev.StepID] = append(notes[ev.StepID], ev.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(lockFile); err != nil || string(got) != reason {
		t.Errorf("the other holder's lock: %q, %v (want it left as it was)", got, err)
	}
	want := strings.ReplaceAll(note, "LOCK", lockFile)
	if got := notes["backport-unlock"]; len(got) != 1 || got[0] != want {
		t.Errorf("the release's notes: %q, want one: %q", got, want)
	}
}
