package winview

import (
	tea "charm.land/bubbletea/v2"

	"porthole/tui/components/revertpick"
	"porthole/window"
)

// askRevert is r on a window with something synced: one synced change is
// reverted at once (its revert asks its own confirmation); with several, a
// dialog asks which, or all.
func (m *Model) askRevert() (tea.Cmd, []tea.Msg) {
	f := m.facts.f.Copy()
	synced := window.SyncedChanges(m.plan, f)
	if len(synced) < 2 {
		return nil, []tea.Msg{m.revertRequest()}
	}
	p, cmd := revertpick.New(m.c, m.plan, f, synced, nil)
	m.pick = &p
	return cmd, nil
}

// onPickKey gives a key to the revert choice; an answer asks the root for
// the revert of the picked changes, esc reverts nothing.
func (m *Model) onPickKey(msg tea.KeyPressMsg) (tea.Cmd, []tea.Msg) {
	p, cmd, res, done := m.pick.Update(msg)
	m.pick = &p
	if !done {
		return cmd, nil
	}
	m.pick = nil
	if res.Plan == nil {
		return cmd, []tea.Msg{info("revert cancelled: nothing was reverted")}
	}
	return cmd, []tea.Msg{RevertMsg{Plan: res.Plan, Facts: res.Facts}}
}

// Picking says the revert choice (which changes) is on screen.
func (m *Model) Picking() bool { return m.pick != nil }
