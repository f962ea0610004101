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

// Revert is what a revert window did to one change.
type Revert struct {
	Window string // the revert window
	// Synced: the revert reached production (every sync of the revert
	// window completed); false when it is only reverted on the deployment
	// host, the window stopped before or during its sync.
	Synced bool
}

// Reverts are the changes w, a revert window, reverted on the deployment
// host, by change number (nil for other windows).
func (w *WindowState) Reverts() map[int]Revert {
	if w.Kind != "revert" || w.Facts == nil {
		return nil
	}
	// Journals written before the revert marked its changes synced: any
	// completed sync step then meant the revert was live.
	old := len(w.Facts.Synced) > 0
	for _, cf := range w.Facts.Changes {
		old = old && (cf == nil || !cf.Synced)
	}
	out := map[int]Revert{}
	for n, cf := range w.Facts.Changes {
		if cf != nil && cf.Reverted != "" {
			out[n] = Revert{Window: w.ID, Synced: cf.Synced || old}
		}
	}
	return out
}

// revertedChanges are the changes a revert window reverted and synced.
func (w *WindowState) revertedChanges() []int {
	var out []int
	for n, r := range w.Reverts() {
		if r.Synced {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// RevertsSince maps each change of backport window id to the revert
// window that took it back: the first later one that reverted and synced
// it, else the first that reverted it on the deployment host only (from
// every journal in windows). It is the one rule for "what a revert took
// back" that the journal's list, Deployed and the revert builders share.
func RevertsSince(id string, windows []WindowSummary) map[int]Revert {
	out := map[int]Revert{}
	var started time.Time
	for _, ws := range windows {
		if ws.ID == id {
			started = ws.Started
		}
	}
	sorted := append([]WindowSummary(nil), windows...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Started.Before(sorted[j].Started) })
	for _, ws := range sorted {
		if ws.Kind != "revert" || ws.ID == id || ws.Started.Before(started) {
			continue
		}
		w, err := loadWindow(ws.Path, false)
		if err != nil {
			continue
		}
		for n, r := range w.Reverts() {
			if prev, ok := out[n]; !ok || (!prev.Synced && r.Synced) {
				out[n] = r
			}
		}
	}
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

// markReverted sets RevertedBy on the summaries of the backport windows
// whose synced changes later revert windows all took back in production
// (the same per-change rule as RevertsSince), naming the last of them.
func markReverted(sums []WindowSummary, states []*WindowState) {
	byID := map[string]int{}
	for i := range sums {
		byID[sums[i].ID] = i
	}
	for _, w := range states {
		i, ok := byID[w.ID]
		if w.Kind != "backport" || !ok {
			continue
		}
		by, nums := revertedAll(w, states)
		if by == "" {
			continue
		}
		s := &sums[i]
		s.RevertedBy, s.Resumable = by, false
		s.Why = "reverted by window " + by + " (" + joinInts(nums) + ")"
	}
}

// revertedAll is the last revert window (and the changes) when every change
// w synced was reverted in production by revert windows started after it;
// "" when something w synced is still live, or it synced nothing.
func revertedAll(w *WindowState, states []*WindowState) (string, []int) {
	if w.Facts == nil {
		return "", nil
	}
	by, reverted := "", map[int]bool{}
	for _, r := range states {
		if r.Kind != "revert" || r.Started.Before(w.Started) {
			continue
		}
		for _, n := range r.revertedChanges() {
			if cf := w.Facts.Changes[n]; cf != nil && cf.Synced && !reverted[n] {
				reverted[n], by = true, r.ID
			}
		}
	}
	var nums []int
	for n, cf := range w.Facts.Changes {
		if cf == nil || !cf.Synced {
			continue
		}
		if !reverted[n] {
			return "", nil
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	if len(nums) == 0 {
		return "", nil
	}
	return by, nums
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ", ")
}
