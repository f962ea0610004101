package maint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// collationPatch changes cywiki's collation from uppercase to uca-cy.
const collationPatch = `diff --git a/wmf-config/InitialiseSettings.php b/wmf-config/InitialiseSettings.php
--- a/wmf-config/InitialiseSettings.php
+++ b/wmf-config/InitialiseSettings.php
@@ -1,4 +1,4 @@
 'wgCategoryCollation' => [
 	'default' => 'uppercase',
-	'cywiki' => 'uppercase',
+	'cywiki' => 'uca-cy',
 ],
`

// journalRun journals a window of kind with params whose irreversible step
// runs (answered yes) or is declined, started at.
func journalRun(t *testing.T, state, id, kind string, params map[string]string, yes bool, at time.Time) journal.WindowSummary {
	t.Helper()
	p := &runbooks.Plan{ID: id, Kind: kind, Title: kind, Params: params, Steps: []*runbooks.Step{
		{ID: "update", Title: "the irreversible run", Role: config.RoleLocal, Irreversible: true,
			Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Run it?", Default: "n"},
			Do:   func(context.Context, *runbooks.StepContext) error { return nil }}}}
	j, err := runbooks.OpenJournal(state, p)
	if err != nil {
		t.Fatal(err)
	}
	env := &runbooks.Env{User: "alice", Now: func() time.Time { return at }}
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
	r.Start(context.Background())
	for e := range r.Events() {
		if g, ok := e.(runbooks.GateRequest); ok {
			c := "n"
			if yes {
				c = "y"
			}
			g.Answer(runbooks.Decision{Choice: c, By: "alice", At: at})
		}
	}
	j.Close()
	return journal.WindowSummary{ID: id, Kind: kind, Path: filepath.Join(journal.WindowsDir(state), id+".jsonl"), Started: at}
}

func TestUndosAfterRevert(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	patch := filepath.Join(dir, "incoming-mediawiki-config.patch")
	if err := os.WriteFile(patch, []byte(collationPatch), 0o600); err != nil {
		t.Fatal(err)
	}
	deployed := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	from := &journal.WindowState{ID: "20261207-140000-backport", Kind: "backport", Started: deployed, Facts: &runbooks.Facts{}}
	from.Facts.Change(101).SyncPaths = []string{"wmf-config/InitialiseSettings.php"}
	from.Facts.Change(102).SyncPaths = []string{"php-1.44.0-wmf.5/includes/cache/Cache.php"}
	from.Facts.Repo("mediawiki-config").PatchFile = patch
	from.Facts.Suggestions = DetectMaintenance([]byte(collationPatch), nil)
	from.Facts.Suggestions = append(from.Facts.Suggestions, runbooks.Suggestion{Runbook: KindNamespaceDupes,
		Params: map[string]string{"wiki": "hewiki"}, Reason: "new namespace in wmf-config/InitialiseSettings.php (hewiki: Portal): run namespaceDupes, dry run first"})
	if len(from.Facts.Suggestions) != 2 || from.Facts.Suggestions[0].Params["previous_collation"] != "uppercase" {
		t.Fatalf("the deploy's suggestions: %+v", from.Facts.Suggestions)
	}
	later := func(m int) time.Time { return deployed.Add(time.Duration(m) * time.Minute) }
	windows := []journal.WindowSummary{
		journalRun(t, state, "20261207-141000-updateCollation", KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"}, true, later(10)),
		journalRun(t, state, "20261207-142000-namespaceDupes", KindNamespaceDupes, map[string]string{"wiki": "hewiki"}, true, later(20)),
		// not this deploy's: another wiki, declined, or run before the deploy
		journalRun(t, state, "20261207-143000-namespaceDupes", KindNamespaceDupes, map[string]string{"wiki": "frwiki"}, true, later(30)),
		journalRun(t, state, "20261207-144000-updateCollation", KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"}, false, later(40)),
		journalRun(t, state, "20261207-130000-namespaceDupes", KindNamespaceDupes, map[string]string{"wiki": "hewiki"}, true, later(-60)),
	}

	undos := UndosAfterRevert(from, []int{101}, windows)
	if len(undos) != 2 {
		t.Fatalf("%d undos, want the updateCollation and the namespaceDupes of the deploy: %+v", len(undos), undos)
	}
	coll, ns := undos[0], undos[1]
	if coll.Window != "20261207-141000-updateCollation" || coll.Command() != "porthole run updateCollation --param previous_collation=uca-cy --param wiki=cywiki" {
		t.Errorf("collation undo: %s %q\n%s", coll.Window, coll.Command(), coll.Text)
	}
	if !strings.Contains(coll.Text, "back to uppercase") || !strings.Contains(coll.Text, "sorted for uca-cy") {
		t.Errorf("collation undo text: %s", coll.Text)
	}
	if ns.Window != "20261207-142000-namespaceDupes" || ns.Params != nil || ns.Command() != "" {
		t.Errorf("namespace undo: %+v", ns)
	}
	for _, want := range []string{"hewiki", "(hewiki: Portal)", "Special:Log/move", "become unreachable", "before the revert is synced"} {
		if !strings.Contains(ns.Text, want) {
			t.Errorf("namespace undo lacks %q: %s", want, ns.Text)
		}
	}
	// reverting only the core change touches no wmf-config: nothing to undo
	if u := UndosAfterRevert(from, []int{102}, windows); len(u) != 0 {
		t.Errorf("reverting the core change: %+v", u)
	}
	// without the saved diff, the collation to go back from is not guessed
	os.Remove(patch)
	u := UndosAfterRevert(from, []int{101}, windows)
	if len(u) != 2 || u[0].Params != nil || !strings.Contains(u[0].Text, "previous_collation=<the collation the reverted change set>") {
		t.Errorf("without the diff: %+v", u)
	}
}
