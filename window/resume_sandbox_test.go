package window_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/runbooks/runbookstest"
	"porthole/window"
)

// TestSandboxResumeAfterCompletedSync: porthole is killed after scap's
// sync exited 0 (journaled with its "Synchronized" line) but before the
// step's end was recorded. The resume must see that it completed, mark it
// done without syncing again, and restore what the revert needs.
func TestSandboxResumeAfterCompletedSync(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	n := sb.Changes["config"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatal(err)
	}
	first := runSandbox(t, env, p, runbooks.RunOptions{}, nil)
	if first.err != nil {
		t.Fatal(first.err)
	}
	path := first.r.Journal().Path()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// the kill: the journal ends just after sync-1's scap command record
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut := -1
	for i, l := range lines {
		var rec journal.Record
		if json.Unmarshal(l, &rec) == nil && rec.Type == journal.RecCommand && rec.Step == "sync-1" && strings.Contains(rec.Cmd, "scap sync-file") {
			cut = i + 1
		}
	}
	if cut < 0 {
		t.Fatal("no journaled scap command for sync-1")
	}
	if err := os.WriteFile(path, bytes.Join(lines[:cut], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	state, err := journal.LoadWindow(path)
	if err != nil {
		t.Fatal(err)
	}
	if state.Interrupted != "sync-1" || state.Facts.Synced["sync-1"] {
		t.Fatalf("the cut journal: interrupted %q, synced %v", state.Interrupted, state.Facts.Synced)
	}
	rp, opts, err := runbooks.Resume(context.Background(), env, state)
	if err != nil {
		t.Fatal(err)
	}
	again := runSandbox(t, env, rp, opts, nil)
	if again.err != nil {
		t.Fatalf("resume: %v", again.err)
	}
	notes := strings.Join(again.notes, "\n")
	if strings.Contains(notes, "had not completed") || !strings.Contains(notes, "had completed") {
		t.Fatalf("resume did not recognise the completed sync:\n%s", notes)
	}
	for _, l := range again.output["sync-1"] {
		if strings.Contains(l, "scap sync-file") {
			t.Fatalf("sync-1 ran again: %q", l)
		}
	}
	if len(again.gates["sync-1"]) != 0 {
		t.Errorf("asked again before sync-1: %+v", again.gates["sync-1"])
	}
	facts := again.r.Facts()
	if cf := facts.Change(n); !cf.Synced || len(cf.SyncPaths) == 0 || cf.Commit == "" {
		t.Fatalf("facts for the revert not restored: %+v", cf)
	}
	if _, err := window.BuildRevertFrom(context.Background(), env, rp, facts); err != nil {
		t.Fatalf("revert after the resume: %v", err)
	}
}
