package window

import (
	"fmt"
	"sort"
	"strings"

	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// CheckNotDeployed refuses a new backport window (plan, the TUI's change
// card, porthole backport) holding a change that is merged and that the
// journals show already synced to production by a window, not reverted
// since: it says which window deployed it and when, and offers no +2 and no
// deploy. A resumed window is not checked (its own sync is in its journal).
// stateDir holds the journals (config.StateDir).
func CheckNotDeployed(stateDir string, plan *runbooks.Plan) error {
	if plan == nil || plan.Kind != "backport" {
		return nil
	}
	deployed := journal.Deployed(stateDir)
	de := &DeployedError{}
	var what []string
	var nums []int
	for _, ch := range plan.Changes {
		d, ok := deployed[ch.Number]
		if !ok || ch.Status != "MERGED" {
			continue
		}
		de.Deployments = append(de.Deployments, d)
		nums = append(nums, ch.Number)
		what = append(what, fmt.Sprintf("change %d is merged and already deployed: window %s synced it at %s UTC (porthole log show %s)",
			ch.Number, d.Window, d.At.UTC().Format("2006-01-02 15:04"), d.Window))
	}
	if len(what) == 0 {
		return nil
	}
	sort.Ints(nums)
	var ns []string
	for _, n := range nums {
		ns = append(ns, fmt.Sprint(n))
	}
	de.msg = fmt.Sprintf("%s; there is nothing to +2 or deploy again (porthole revert %s takes it back)", strings.Join(what, "; "), strings.Join(ns, " "))
	return de
}

// DeployedError is CheckNotDeployed's refusal: which changes, deployed where and when.
type DeployedError struct {
	Deployments []journal.Deployment
	msg         string
}

func (e *DeployedError) Error() string { return e.msg }

// Warnings are the refusal as each change's card shows it.
func (e *DeployedError) Warnings() []runbooks.Warning {
	var ws []runbooks.Warning
	for _, d := range e.Deployments {
		ws = append(ws, runbooks.Warning{Level: runbooks.Danger, Code: "deployed", Change: d.Change,
			Text: fmt.Sprintf("deployed: window %s synced it at %s UTC; nothing to +2 or deploy again", d.Window, d.At.UTC().Format("2006-01-02 15:04"))})
	}
	return ws
}
