package window

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// SyncedChanges are the changes of plan that reached production, in the
// window's order: what a revert of it can pick from.
func SyncedChanges(plan *runbooks.Plan, facts *runbooks.Facts) []*gerrit.Change {
	if plan == nil || facts == nil {
		return nil
	}
	var out []*gerrit.Change
	for _, ch := range plan.Changes {
		if cf := facts.Changes[ch.Number]; cf != nil && cf.Synced {
			out = append(out, ch)
		}
	}
	return out
}

// BuildRevertOf builds the revert of some of a window's synced changes, the
// ones numbered in only (every synced change when only is empty). A change
// not in the window, or not synced, is refused with the reason.
func BuildRevertOf(ctx context.Context, env *runbooks.Env, plan *runbooks.Plan, facts *runbooks.Facts, only []int) (*runbooks.Plan, error) {
	if plan == nil || len(only) == 0 {
		return BuildRevertFrom(ctx, env, plan, facts)
	}
	synced := SyncedChanges(plan, facts)
	picked := &runbooks.Plan{}
	*picked = *plan
	picked.Changes = nil
	for _, n := range only {
		ch := changeNumbered(plan.Changes, n)
		switch {
		case ch == nil:
			return nil, fmt.Errorf("change %d is not part of window %s (its changes: %s)", n, plan.ID, changeNums(plan.Changes))
		case changeNumbered(synced, n) == nil:
			return nil, fmt.Errorf("change %d of window %s never reached production, so there is nothing live to revert", n, plan.ID)
		case changeNumbered(picked.Changes, n) == nil:
			picked.Changes = append(picked.Changes, ch)
		}
	}
	return BuildRevertFrom(ctx, env, picked, facts)
}

// PlanOfWindow is the plan a journaled window ran, as far as a revert needs
// it: its id, kind, title and changes.
func PlanOfWindow(w *journal.WindowState) *runbooks.Plan {
	p := &runbooks.Plan{ID: w.ID, Kind: w.Kind, Title: w.Title, Params: w.Params}
	for _, c := range w.Changes {
		p.Changes = append(p.Changes, &gerrit.Change{Number: c.Number, Project: c.Project, Branch: c.Branch,
			Subject: c.Subject, Bugs: c.Bugs, Status: "MERGED", CurrentRevision: c.Revision, WebURL: c.URL})
	}
	return p
}

func changeNumbered(chs []*gerrit.Change, n int) *gerrit.Change {
	for _, ch := range chs {
		if ch.Number == n {
			return ch
		}
	}
	return nil
}

func changeNums(chs []*gerrit.Change) string {
	var s []string
	for _, ch := range chs {
		s = append(s, strconv.Itoa(ch.Number))
	}
	return strings.Join(s, ", ")
}

// NotLiveRevert is the error for change n of window id, which revert window
// r reverted on the deployment host without syncing it yet: resuming r
// finishes it, a second revert would revert it twice.
func NotLiveRevert(id string, n int, r journal.Revert) error {
	return fmt.Errorf("change %d of window %s is reverted on the deployment host by window %s, which has not synced it yet: resume that window (porthole run --resume %s) instead of reverting again", n, id, r.Window, r.Window)
}
