package journal

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Deployment is a change that reached production in a window (its sync
// completed) and was not reverted since.
type Deployment struct {
	Change int
	Window string    // the window that synced it
	Title  string    // that window's title
	At     time.Time // when its sync completed (the window's last record when unknown)
}

// windowStates loads every journal under stateDir (without output lines),
// oldest first; journals that cannot be read are skipped.
func windowStates(stateDir string) []*WindowState {
	paths, _ := filepath.Glob(filepath.Join(WindowsDir(stateDir), "*.jsonl"))
	var out []*WindowState
	for _, p := range paths {
		if w, err := loadWindow(p, false); err == nil {
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// syncedAt is when w's sync steps last completed, or its last record.
func (w *WindowState) syncedAt() time.Time {
	var at time.Time
	if w.Facts != nil {
		for id := range w.Facts.Synced {
			if s := w.Step(id); s != nil && s.State == Done {
				if end := s.Started.Add(s.Duration); end.After(at) {
					at = end
				}
			}
		}
	}
	if at.IsZero() {
		return w.StoppedAt()
	}
	return at
}

// revertedChanges are the changes a revert window reverted and synced.
func (w *WindowState) revertedChanges() []int {
	if w.Kind != "revert" || w.Facts == nil || len(w.Facts.Synced) == 0 {
		return nil
	}
	var out []int
	for n, cf := range w.Facts.Changes {
		if cf != nil && cf.Reverted != "" {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// Deployed lists, by change number, the changes the journals under stateDir
// show synced to production by a backport window and not reverted since:
// such a change must not be +2'd or deployed again.
func Deployed(stateDir string) map[int]Deployment {
	out := map[int]Deployment{}
	for _, w := range windowStates(stateDir) {
		switch {
		case w.Kind == "backport" && w.Facts != nil:
			for n, cf := range w.Facts.Changes {
				if cf != nil && cf.Synced {
					out[n] = Deployment{Change: n, Window: w.ID, Title: w.Title, At: w.syncedAt()}
				}
			}
		case w.Kind == "revert":
			for _, n := range w.revertedChanges() {
				delete(out, n)
			}
		}
	}
	return out
}

// markReverted sets RevertedBy on the summaries of the windows a later
// revert window took back: the one it was started from (the TUI's r), and
// every backport window whose synced changes it all reverted.
func markReverted(sums []WindowSummary, states []*WindowState) {
	byID := map[string]int{}
	for i := range sums {
		byID[sums[i].ID] = i
	}
	for _, r := range states {
		reverted := r.revertedChanges()
		if len(reverted) == 0 {
			continue
		}
		set := map[int]bool{}
		for _, n := range reverted {
			set[n] = true
		}
		for _, w := range states {
			if w.Kind != "backport" || !w.Started.Before(r.Started) {
				continue
			}
			if w.ID != r.Params["from"] && !syncedAllIn(w, set) {
				continue
			}
			if i, ok := byID[w.ID]; ok {
				s := &sums[i]
				s.RevertedBy, s.Resumable = r.ID, false
				s.Why = "reverted by window " + r.ID + " (" + joinInts(reverted) + ")"
			}
		}
	}
}

// syncedAllIn is true when w synced at least one change and all it synced is in set.
func syncedAllIn(w *WindowState, set map[int]bool) bool {
	if w.Facts == nil {
		return false
	}
	any := false
	for n, cf := range w.Facts.Changes {
		if cf == nil || !cf.Synced {
			continue
		}
		if !set[n] {
			return false
		}
		any = true
	}
	return any
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ", ")
}
