package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
	"porthole/maint"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/tui/components/confirm"
	"porthole/tui/components/revertpick"
	"porthole/window"
)

// r on a past window of Home: its journal says what was synced; a dialog
// asks which of those changes to revert (with the maintenance to undo
// afterwards), then the revert is built and run as the live window's r does.

// pastRevertMsg is a past window's journal, read for its revert.
type pastRevertMsg struct {
	plan   *runbooks.Plan
	facts  *runbooks.Facts
	synced []*gerrit.Change // synced and not reverted since
	notes  []string
	err    error
}

// pastRevertCmd reads past window w's journal and what was done since.
func pastRevertCmd(e Engine, w journal.WindowSummary) tea.Cmd {
	return func() tea.Msg {
		ws, err := journal.LoadWindow(w.Path)
		if err != nil {
			return pastRevertMsg{err: err}
		}
		if ws.Kind != "backport" {
			return pastRevertMsg{err: fmt.Errorf("window %s is a %s window: only a backport's changes can be reverted", ws.ID, ws.Kind)}
		}
		_, past, err := e.Windows()
		if err != nil {
			return pastRevertMsg{err: err}
		}
		plan := window.PlanOfWindow(ws)
		done := journal.RevertsSince(ws.ID, past)
		msg := pastRevertMsg{plan: plan, facts: ws.Facts}
		var nums []int
		for _, ch := range window.SyncedChanges(plan, ws.Facts) {
			switch r, ok := done[ch.Number]; {
			case ok && !r.Synced: // resuming that revert finishes it; another would revert twice
				return pastRevertMsg{err: window.NotLiveRevert(ws.ID, ch.Number, r)}
			case ok:
				msg.notes = append(msg.notes, fmt.Sprintf("%d was already reverted, in window %s.", ch.Number, r.Window))
				continue
			}
			msg.synced = append(msg.synced, ch)
			nums = append(nums, ch.Number)
		}
		switch {
		case len(msg.synced) == 0 && len(msg.notes) > 0:
			msg.err = fmt.Errorf("every change window %s synced was already reverted: nothing is left to revert", ws.ID)
		case len(msg.synced) == 0:
			msg.err = fmt.Errorf("window %s synced nothing to production: there is nothing live to revert", ws.ID)
		}
		for _, u := range maint.UndosAfterRevert(ws, nums, past) {
			msg.notes = append(msg.notes, "After the revert: "+u.Text)
		}
		return msg
	}
}

// askPastRevert starts reading past window w for its revert.
func (m *Model) askPastRevert(w journal.WindowSummary) tea.Cmd {
	if m.windowOpen() {
		return m.setError("a window is still running: finish or quit it before reverting a past one")
	}
	return tea.Batch(m.setInfo("reading window "+w.ID+"…"), pastRevertCmd(m.engine, w))
}

// onPastRevert opens the choice of what to revert.
func (m *Model) onPastRevert(msg pastRevertMsg) tea.Cmd {
	if msg.err != nil {
		return m.setError("cannot revert: " + msg.err.Error())
	}
	p, cmd := revertpick.New(m.c, msg.plan, msg.facts, msg.synced, msg.notes)
	m.pastRevert = &p
	m.status = ""
	return cmd
}

// onPastRevertKey gives a key to the choice; an answer builds the revert.
func (m Model) onPastRevertKey(msg tea.Msg) (tea.Model, tea.Cmd) {
	p, cmd, res, done := m.pastRevert.Update(msg)
	m.pastRevert = &p
	if !done {
		return m, cmd
	}
	m.pastRevert = nil
	if res.Plan == nil {
		return m, m.setInfo("revert cancelled: nothing was reverted")
	}
	if m.building == "revert" {
		return m, nil
	}
	m.building = "revert"
	return m, tea.Batch(m.setInfo("building the revert…"), revertCmd(m.ctx, m.engine, res.Plan, res.Facts))
}

// armPastRevert arms the choice's dialog.
func (m *Model) armPastRevert(msg confirm.ArmMsg) {
	if m.pastRevert != nil {
		p, _, _, _ := m.pastRevert.Update(msg)
		m.pastRevert = &p
	}
}
