package winview

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/components/confirm"
)

// Update follows the run's messages and the deployer's keys. The messages
// it returns are requests to the root model (StatusMsg, OpenDiffMsg, …), to
// be handled at once.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, []tea.Msg) {
	switch msg := msg.(type) {
	case EventMsg:
		if msg.Gen != m.gen {
			return nil, nil
		}
		cmd, reqs := m.onEvent(msg.Ev)
		return tea.Batch(cmd, waitEvent(msg.Gen, m.run)), reqs
	case confirm.ArmMsg:
		m.onArm(msg)
	case tea.KeyPressMsg:
		if m.pick != nil {
			return m.onPickKey(msg)
		}
		if m.DialogShown() {
			return m.onDialogKey(msg)
		}
		return m.onKey(msg)
	}
	return nil, nil
}

// onKey handles a key when no question is on screen.
func (m *Model) onKey(msg tea.KeyPressMsg) (tea.Cmd, []tea.Msg) {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return nil, []tea.Msg{QuitMsg{}}
	case key.Matches(msg, k.NextStep):
		return nil, m.next()
	case key.Matches(msg, k.Revert):
		return m.revertKey()
	case key.Matches(msg, k.Diff):
		p := m.patchFor(m.steps.Selected().ID)
		if p == "" {
			return nil, []tea.Msg{info("no incoming diff yet: it is fetched by the review step (git log -p HEAD..@{u})")}
		}
		return nil, []tea.Msg{m.openPatch(p)}
	case key.Matches(msg, k.Copy):
		return m.copySAL()
	case key.Matches(msg, k.Card):
		m.card = !m.card
	case key.Matches(msg, k.Focus):
		m.focusLog = !m.focusLog
		m.steps.SetFocused(!m.focusLog)
		m.logs.SetFocused(m.focusLog)
	case key.Matches(msg, k.Suggest):
		return nil, m.suggestion()
	case key.Matches(msg, k.Back):
		if m.closed {
			return nil, []tea.Msg{HomeMsg{}}
		}
		if m.dialog != nil && m.hidden {
			m.hidden = false
		}
	case key.Matches(msg, k.Filter):
		m.logs, _ = m.logs.Update(msg)
	default:
		if m.focusLog {
			m.logs, _ = m.logs.Update(msg)
		} else {
			m.steps, _ = m.steps.Update(msg)
			m.showSelectedLog()
		}
	}
	return nil, nil
}

// next is enter on the window: run the next step, or bring back a hidden
// question, or say why nothing happens.
func (m *Model) next() []tea.Msg {
	switch {
	case m.dialog != nil && m.hidden:
		m.hidden = false
	case m.gate != nil && m.gate.Gate.Kind == runbooks.GateContinue:
		m.answer("y")
	case m.gate == nil && m.running == "" && !m.finished:
		m.steps.Follow()
		m.showSelectedLog()
	case m.running != "":
		return []tea.Msg{StatusMsg{Text: m.StepTitle(m.running) + " is running: wait for it (ctrl+c cancels it)", While: m.running}}
	case m.closed:
		return []tea.Msg{HomeMsg{}}
	}
	return nil
}

// CanRevert is true once something of a backport window is synced.
func (m *Model) CanRevert() bool {
	return m.plan.Kind == "backport" && m.facts.synced()
}

// revertKey asks for the emergency revert: with several synced changes it
// first asks which (askRevert); the revert plan's own gate is the one
// confirmation of what runs.
func (m *Model) revertKey() (tea.Cmd, []tea.Msg) {
	switch {
	case !m.CanRevert():
		return nil, []tea.Msg{info("nothing is synced yet: there is nothing live to revert (q stops the window)")}
	case m.running != "":
		return nil, []tea.Msg{StatusMsg{Text: m.StepTitle(m.running) + " is running: wait for it, or ctrl+c to cancel it, then press r", While: m.running}}
	}
	return m.askRevert()
}

// copySAL puts the window's Server Admin Log text on the clipboard (OSC 52).
func (m *Model) copySAL() (tea.Cmd, []tea.Msg) {
	if len(m.plan.Changes) == 0 {
		return nil, []tea.Msg{info("no SAL text: this window has no changes")}
	}
	sal := m.sal()
	return tea.SetClipboard(sal), []tea.Msg{info("copied (OSC 52): " + sal)}
}

// openPatch asks for a fetched patch in the viewer, marking commits that
// are not the window's.
func (m *Model) openPatch(path string) OpenDiffMsg {
	var ids []string
	for _, ch := range m.plan.Changes {
		ids = append(ids, ch.ChangeID)
	}
	m.diffRead = true
	m.syncNudge()
	return OpenDiffMsg{Path: path, Title: "incoming: " + path, Expected: ids}
}

// suggestion asks for the form of the first maintenance runbook the
// deployed diff calls for.
func (m *Model) suggestion() []tea.Msg {
	if len(m.facts.suggestions()) == 0 {
		return nil
	}
	if !m.closed {
		return []tea.Msg{info("finish this window first; the suggested runbooks run after it")}
	}
	s := m.facts.takeSuggestion()
	return []tea.Msg{FormMsg{Runbook: s.Runbook, Reason: s.Reason, Params: s.Params, Suggestion: &s}}
}

// ShortHelp is the keys of what is on screen: the question's, or the
// window's (those that do nothing now left out).
func (m *Model) ShortHelp() []key.Binding {
	if m.pick != nil {
		d := m.pick.Dialog()
		return d.ShortHelp()
	}
	if m.DialogShown() {
		return m.dialog.ShortHelp()
	}
	k := m.c.Keys
	next := k.NextStep
	if m.closed {
		next.SetHelp("enter/esc", "Home")
	}
	out := []key.Binding{next}
	if m.CanRevert() {
		out = append(out, k.Revert)
	}
	if m.patchFor("") != "" {
		d := k.Diff
		if m.diffNudge() != "" {
			d.SetHelp(d.Help().Key, "read the incoming diff (not read yet)")
		}
		out = append(out, d)
	}
	if len(m.plan.Changes) > 0 {
		out = append(out, k.Copy, k.Card)
	}
	if m.closed && len(m.facts.suggestions()) > 0 {
		out = append(out, k.Suggest)
	}
	return append(out, k.Focus, k.Filter, k.Help, k.Quit)
}

// FullHelp is every key of the window.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.NextStep, k.Revert, k.Diff, k.Copy, k.Card, k.Suggest},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Focus, k.Filter, k.Back},
		{k.Yes, k.No, k.Accept, k.ChoiceNext, k.Cancel},
	}
}
