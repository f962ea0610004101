package maint

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// Undo is what a maintenance run that followed a deploy calls for once that
// deploy is reverted: a run to undo it (Params set) or checks to make.
type Undo struct {
	Window  string            // the maintenance window that ran
	Runbook string            // updateCollation, namespaceDupes
	Params  map[string]string // the undoing run's parameters; nil when only checks can be suggested
	Text    string            // what ran and what to do now, in one paragraph
}

// Command is the porthole command line of the undoing run ("" when none).
func (u Undo) Command() string {
	if u.Params == nil {
		return ""
	}
	var keys []string
	for k := range u.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cmd := "porthole run " + u.Runbook
	for _, k := range keys {
		cmd += " --param " + k + "=" + u.Params[k]
	}
	return cmd
}

// UndosAfterRevert finds the maintenance runs (updateCollation,
// namespaceDupes) that window from's deploy called for and that were run,
// in windows journaled after it, and says how to undo each once the changes
// numbered in reverted are reverted. A run is tied to the deploy by the
// window's own suggestion (same runbook, a wiki in common, the same previous
// collation); the suggestions come from wmf-config, so only a reverted
// change that synced something under wmf-config/ calls for an undo.
func UndosAfterRevert(from *journal.WindowState, reverted []int, windows []journal.WindowSummary) []Undo {
	if from == nil || from.Facts == nil || !touchesConfig(from.Facts, reverted) {
		return nil
	}
	var out []Undo
	var coll map[string]collationChange
	for _, ws := range windows {
		if ws.ID == from.ID || ws.Started.Before(from.Started) || (ws.Kind != KindUpdateCollation && ws.Kind != KindNamespaceDupes) {
			continue
		}
		w, err := journal.LoadWindow(ws.Path)
		if err != nil || !irreversibleRan(w) {
			continue
		}
		sug, ok := suggestionFor(from.Facts.Suggestions, w)
		if !ok {
			continue
		}
		if w.Kind == KindNamespaceDupes {
			out = append(out, namespaceUndo(w, sug))
			continue
		}
		if coll == nil {
			coll = deployedCollations(from.Facts)
		}
		out = append(out, collationUndo(w, coll))
	}
	return out
}

// touchesConfig says a reverted change synced something under wmf-config/.
func touchesConfig(f *runbooks.Facts, reverted []int) bool {
	for _, n := range reverted {
		if cf := f.Changes[n]; cf != nil {
			for _, p := range cf.SyncPaths {
				if strings.HasPrefix(p, "wmf-config") {
					return true
				}
			}
		}
	}
	return false
}

// irreversibleRan says the run's irreversible step (--fix, the update) was started.
func irreversibleRan(w *journal.WindowState) bool {
	for _, s := range w.Steps {
		if s.Irreversible && (s.State != runbooks.Pending || s.Attempts > 0) {
			return true
		}
	}
	return false
}

// suggestionFor is the suggestion of the deploy that window w ran.
func suggestionFor(sugs []runbooks.Suggestion, w *journal.WindowState) (runbooks.Suggestion, bool) {
	for _, s := range sugs {
		if s.Runbook != w.Kind {
			continue
		}
		if w.Kind == KindUpdateCollation && s.Params["previous_collation"] != w.Params["previous_collation"] {
			continue
		}
		if s.Params["wiki"] == "" || overlap(splitWikis(s.Params["wiki"]), splitWikis(w.Params["wiki"])) {
			return s, true
		}
	}
	return runbooks.Suggestion{}, false
}

func splitWikis(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// deployedCollations reads the window's saved incoming patches: each wiki's
// collation before and after the deploy.
func deployedCollations(f *runbooks.Facts) map[string]collationChange {
	d := &detection{collation: map[string]collationChange{}}
	for _, rf := range f.Repos {
		if rf.PatchFile == "" {
			continue
		}
		b, err := os.ReadFile(rf.PatchFile)
		if err != nil {
			continue
		}
		for _, chunk := range splitCommits(b) {
			files, _, _ := gitdiff.Parse(bytes.NewReader(chunk))
			for _, file := range files {
				d.file(file)
			}
		}
	}
	return d.collation
}

// collationUndo: the revert puts the wiki's old collation back, but its
// category rows were rebuilt for the new one: run updateCollation again
// with --previous-collation the one the reverted change set.
func collationUndo(w *journal.WindowState, coll map[string]collationChange) Undo {
	wikis := w.Params["wiki"]
	prev := w.Params["previous_collation"]
	u := Undo{Window: w.ID, Runbook: KindUpdateCollation}
	var next string
	for _, wiki := range splitWikis(wikis) {
		if c, ok := coll[wiki]; ok && c.next != "" && (next == "" || next == c.next) {
			next = c.next
		} else {
			next = ""
			break
		}
	}
	ran := fmt.Sprintf("updateCollation ran on %s in window %s (from %s)", wikis, w.ID, prev)
	if next == "" {
		u.Text = ran + ": the revert sets wgCategoryCollation back to " + prev + ", but the categories are sorted for the collation the reverted change set, " +
			"which the saved diff does not tell for every wiki: once the revert is synced, run porthole run updateCollation --param wiki=" + wikis +
			" --param previous_collation=<the collation the reverted change set> (dry run first)."
		return u
	}
	u.Params = map[string]string{"wiki": wikis, "previous_collation": next}
	u.Text = ran + ": the revert sets wgCategoryCollation back to " + prev + " while the categories are sorted for " + next +
		": once the revert is synced, run " + u.Command() + " (dry run first)."
	return u
}

// namespaceUndo: pages namespaceDupes moved into the namespace (and pages
// created in it since) become unreachable when the revert removes it.
func namespaceUndo(w *journal.WindowState, sug runbooks.Suggestion) Undo {
	wikis := w.Params["wiki"]
	what, _, _ := strings.Cut(sug.Reason, ": run ")
	return Undo{Window: w.ID, Runbook: KindNamespaceDupes, Text: fmt.Sprintf(
		"namespaceDupes --fix ran on %s in window %s for the deploy's %s. The revert removes that namespace: the pages namespaceDupes moved into it "+
			"(each wiki's Special:Log/move by the maintenance user) and the pages created in it since become unreachable. "+
			"Check Special:AllPages for that namespace on %s, and move those pages out (or keep the namespace) before the revert is synced; "+
			"nothing in porthole undoes the moves.", wikis, w.ID, what, wikis)}
}
