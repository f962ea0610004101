package tui

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/components/form"
)

// windowKey handles keys on the window screen.
func (m Model) windowKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.Keys
	w := m.win
	if w != nil && w.dialog != nil && !w.hidden {
		if key.Matches(msg, k.Help) {
			m.help = true
			return m, nil
		}
		return m.onDialogKey(msg)
	}
	switch {
	case key.Matches(msg, k.Help):
		m.help = true
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.NextStep):
		return m, m.next()
	case key.Matches(msg, k.Revert):
		return m, m.revertKey()
	case key.Matches(msg, k.Diff):
		p := m.patchFor(m.steps.Selected().ID)
		if p == "" {
			return m, m.setInfo("no incoming diff yet: it is fetched by the review step (git log -p HEAD..@{u})")
		}
		return m, m.openPatch(p)
	case key.Matches(msg, k.Copy):
		return m, m.copySAL()
	case key.Matches(msg, k.Card):
		m.card = !m.card
	case key.Matches(msg, k.Focus):
		m.focusLog = !m.focusLog
		m.steps.SetFocused(!m.focusLog)
		m.logs.SetFocused(m.focusLog)
	case key.Matches(msg, k.Suggest):
		return m, m.suggestion()
	case key.Matches(msg, k.Back):
		if w != nil && w.closed {
			return m, m.toHome()
		}
		if w != nil && w.dialog != nil && w.hidden {
			w.hidden = false
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
	return m, nil
}

// next is enter on the window: run the next step, or bring back a hidden
// question, or say why nothing happens.
func (m *Model) next() tea.Cmd {
	w := m.win
	switch {
	case w == nil:
		return nil
	case w.dialog != nil && w.hidden:
		w.hidden = false
		return nil
	case w.gate != nil && w.gate.Gate.Kind == runbooks.GateContinue:
		m.answer("y")
		return nil
	case w.gate == nil && w.running == "" && !w.finished:
		m.steps.Follow()
		m.showSelectedLog()
		return nil
	case w.running != "":
		return m.setInfo(m.stepTitle(w.running) + " is running: wait for it (ctrl+c cancels it)")
	case w.closed:
		return m.toHome()
	}
	return nil
}

// canRevert is true once something of a backport window is synced.
func (m Model) canRevert() bool {
	if m.win == nil || m.win.plan.Kind != "backport" {
		return false
	}
	for _, cf := range m.win.facts.Changes {
		if cf.Synced {
			return true
		}
	}
	return false
}

// revertKey starts the emergency revert: the revert plan's own gate is the
// one confirmation.
func (m *Model) revertKey() tea.Cmd {
	w := m.win
	switch {
	case w == nil:
		return nil
	case !m.canRevert():
		return m.setInfo("nothing is synced yet: there is nothing live to revert (q stops the window)")
	case w.running != "":
		return m.setInfo(m.stepTitle(w.running) + " is running: wait for it, or ctrl+c to cancel it, then press r")
	case m.building == "revert":
		return nil
	}
	m.building = "revert"
	return tea.Batch(m.setInfo("building the revert…"), revertCmd(m.ctx, m.engine, w.plan, w.facts.Copy()))
}

// copySAL puts the window's Server Admin Log text on the clipboard (OSC 52).
func (m *Model) copySAL() tea.Cmd {
	if m.win == nil || len(m.win.plan.Changes) == 0 {
		return m.setInfo("no SAL text: this window has no changes")
	}
	sal := m.engine.SAL(m.win.plan, m.win.facts)
	return tea.Batch(tea.SetClipboard(sal), m.setInfo("copied (OSC 52): "+sal))
}

// patchFor is the incoming patch of a step's checkout, or of any checkout.
func (m Model) patchFor(stepID string) string {
	if m.win == nil {
		return ""
	}
	if repo, ok := strings.CutPrefix(stepID, "review-"); ok {
		if rf := m.win.facts.Repos[repo]; rf != nil && rf.PatchFile != "" {
			return rf.PatchFile
		}
	}
	var repos []string
	for r, rf := range m.win.facts.Repos {
		if rf.PatchFile != "" {
			repos = append(repos, r)
		}
	}
	sort.Strings(repos)
	if len(repos) == 0 {
		return ""
	}
	return m.win.facts.Repos[repos[0]].PatchFile
}

// openPatch opens a fetched patch in the viewer, marking commits that are
// not the window's.
func (m *Model) openPatch(path string) tea.Cmd {
	var ids []string
	for _, ch := range m.win.plan.Changes {
		ids = append(ids, ch.ChangeID)
	}
	m.diff.SetExpected(ids)
	m.win.diffRead = true
	m.syncNudge()
	m.go2(screenDiff)
	return tea.Batch(m.diff.Open(path, "incoming: "+path), m.layout())
}

// suggestion opens the form of the first maintenance runbook the deployed
// diff calls for.
func (m *Model) suggestion() tea.Cmd {
	if m.win == nil || len(m.win.sugs) == 0 {
		return nil
	}
	if !m.win.closed {
		return m.setInfo("finish this window first; the suggested runbooks run after it")
	}
	s := m.win.sugs[0]
	f := form.New(m.c, s.Runbook, m.engine.Params(s.Runbook), s.Params)
	f.Reason = s.Reason
	m.form = &f
	m.win.sugs = m.win.sugs[1:]
	m.go2(screenForm)
	return m.layout()
}
