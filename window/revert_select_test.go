package window

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gitops/gitopstest"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// TestRevertOneOfThreeFromTheJournal deploys three changes, then reverts only
// the core one, built from the window's journal as Home and `porthole revert
// --from` do: only its file goes back on the app servers, the other two stay.
func TestRevertOneOfThreeFromTheJournal(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	threeChanges(f)
	p := f.build("backport", map[string]string{"changes": "101 102 103"})
	if _, evs, err := f.run(p, nil); err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	w, err := journal.LoadWindow(filepath.Join(journal.WindowsDir(f.env.Config.StateDir), p.ID+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	past := PlanOfWindow(w)
	if got := changeNums(SyncedChanges(past, w.Facts)); got != "101, 102, 103" {
		t.Fatalf("synced changes of the journaled window: %s", got)
	}
	php := "php-" + gitopstest.Version
	echoFile, cacheFile := php+"/extensions/Echo/includes/Hooks.php", php+"/includes/cache/Cache.php"
	echoNew := f.appFile("mw1001", echoFile)

	f.env.Gerrit = nil // from the journal alone
	rp, err := BuildRevertOf(context.Background(), f.env, past, w.Facts, []int{102})
	f.env.Gerrit = f.g
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Changes) != 1 || rp.Changes[0].Number != 102 || rp.Params["changes"] != "102" {
		t.Fatalf("revert of 102 covers %s (params %q)", changeNums(rp.Changes), rp.Params["changes"])
	}
	g := bpStep(rp, "revert").Gate
	if !strings.Contains(g.Detail, "git revert --no-edit --end-of-options "+w.Facts.Change(102).Commit) || strings.Contains(g.Detail, w.Facts.Change(103).Commit) ||
		strings.Contains(g.Detail, "wmf-config") {
		t.Errorf("the gate shows more than the revert of 102:\n%s", g.Detail)
	}
	calls := len(f.scapCalls())
	if _, evs, err := f.run(rp, nil); err != nil {
		t.Fatalf("revert of 102: %v %q", err, bpNotes(evs))
	}
	for _, h := range []string{"mw1001", "mw1002", "mw1003"} {
		if got := f.appFile(h, cacheFile); got != oldCache {
			t.Errorf("%s: core file not reverted: %q", h, got)
		}
		if got := f.appFile(h, echoFile); got != echoNew {
			t.Errorf("%s: the Echo change was reverted too: %q", h, got)
		}
		if got := f.appFile(h, "wmf-config/InitialiseSettings.php"); !strings.Contains(got, "wgFileExporter") {
			t.Errorf("%s: the config change was reverted too: %q", h, got)
		}
	}
	if after := f.scapCalls()[calls:]; len(after) != 1 || !strings.Contains(after[0][1], `Revert "[[gerrit:102|`) || strings.Contains(after[0][1], "gerrit:101") {
		t.Errorf("revert syncs %q", after)
	}
}

func TestRevertOfRefusesWhatWasNotSynced(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	threeChanges(f)
	p := f.build("backport", map[string]string{"changes": "101 102 103"})
	facts := &runbooks.Facts{}
	facts.Change(101).Synced = true
	for n, want := range map[int]string{102: "never reached production", 999: "not part of window"} {
		if _, err := BuildRevertOf(context.Background(), f.env, p, facts, []int{n}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("revert of %d: %v, want %q", n, err, want)
		}
	}
	if got := changeNums(SyncedChanges(p, facts)); got != "101" {
		t.Errorf("synced: %s", got)
	}
}
