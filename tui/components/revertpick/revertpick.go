// Package revertpick is the dialog that asks which synced changes of a
// window to revert: each change on its own, or all of them. It answers with
// the window's plan narrowed to the picked changes; the revert plan built
// from it then asks its own one confirmation before anything runs.
package revertpick

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/confirm"
)

// AllKey is the choice that reverts every synced change.
const AllKey = "a"

// Model is one open question: which changes of plan to revert.
type Model struct {
	d      confirm.Model
	plan   *runbooks.Plan
	facts  *runbooks.Facts
	synced []*gerrit.Change
}

// Result is the deployer's answer: Plan is the window's plan with only the
// picked changes (nil when the deployer cancelled).
type Result struct {
	Plan  *runbooks.Plan
	Facts *runbooks.Facts
}

// New asks which of synced (the changes of plan that reached production) to
// revert; notes (what to undo or check afterwards) go under the choices.
func New(c *common.Common, plan *runbooks.Plan, facts *runbooks.Facts, synced []*gerrit.Change, notes []string) (Model, tea.Cmd) {
	q := confirm.Question{Kind: confirm.Choose, Prompt: fmt.Sprintf("Revert which change of window %s?", plan.ID), Default: AllKey}
	for i, ch := range synced {
		if i >= 9 {
			break // keys 1-9; "all" covers the rest
		}
		q.Choices = append(q.Choices, confirm.Choice{Key: strconv.Itoa(i + 1), Label: fmt.Sprintf("%d: %s (%s)", ch.Number, ch.Subject, ch.Project)})
	}
	all := fmt.Sprintf("All %d synced changes", len(synced))
	if len(synced) == 1 {
		all = fmt.Sprintf("Change %d", synced[0].Number)
		q.Choices = nil
	}
	q.Choices = append(q.Choices, confirm.Choice{Key: AllKey, Label: all})
	detail := []string{"Only the picked change is reverted and synced; the others stay live.",
		"Nothing runs yet: the revert shows what it will run and asks once more."}
	q.Detail = strings.Join(append(detail, notes...), "\n")
	d, cmd := confirm.New(c, c.NextDialogID(), q, plan.Title, false)
	d.Esc = "cancel (revert nothing)"
	return Model{d: d, plan: plan, facts: facts, synced: synced}, cmd
}

// Update takes a key (or the dialog's arming); done is true once the
// deployer answered or cancelled, with res.Plan nil for a cancel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd, Result, bool) {
	d, cmd := m.d.Update(msg)
	m.d = d
	if _, ok := msg.(tea.KeyPressMsg); !ok {
		return m, cmd, Result{}, false
	}
	if d.WantsHide() {
		return m, cmd, Result{}, true
	}
	choice, ok := d.Answer()
	if !ok {
		return m, cmd, Result{}, false
	}
	return m, cmd, Result{Plan: m.narrow(choice), Facts: m.facts}, true
}

// narrow is the plan with only the changes choice picks.
func (m Model) narrow(choice string) *runbooks.Plan {
	p := *m.plan
	p.Changes = m.synced
	if i, err := strconv.Atoi(choice); err == nil && i >= 1 && i <= len(m.synced) {
		p.Changes = []*gerrit.Change{m.synced[i-1]}
	}
	return &p
}

// View draws the dialog.
func (m Model) View(width, height int) string { return m.d.View(width, height) }

// Dialog is the dialog (tests, help).
func (m Model) Dialog() confirm.Model { return m.d }
