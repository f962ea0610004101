package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/components/confirm"
)

// interrupt is ctrl+c: cancel the running step (and say so), and quit once
// nothing is left running; a second ctrl+c quits at once, saying what may
// still run.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	w := m.win
	if w == nil || w.closed {
		return m, tea.Quit
	}
	if w.cancel && m.quitting {
		m.orphan = m.orphanText("porthole quit while cancelling")
		return m, tea.Quit
	}
	if m.quitDlg == nil && !m.quitting && m.productionRunning() != nil {
		return m.quit() // production: ask first, default No (quit_production.go)
	}
	return m.stopAndQuit()
}

// quit is q: quit at once unless a step is running, then ask.
func (m Model) quit() (tea.Model, tea.Cmd) {
	w := m.win
	if w == nil || w.closed {
		return m, tea.Quit
	}
	if w.running == "" {
		return m.stopAndQuit()
	}
	m.dialogs++
	s := m.step(w.running)
	detail := ""
	if s != nil && s.Command != "" {
		detail = "$ " + s.Command + "\non " + m.engine.Hosts(s.Role)
	}
	g := runbooks.Gate{Kind: runbooks.GateConfirm, Default: "n",
		Prompt: "A step is running (" + m.stepTitle(w.running) + "). Quit anyway? porthole cancels it and waits for it to stop.",
		Detail: detail}
	if s != nil && s.Irreversible {
		g.Prompt = productionPrompt(s)
	}
	d, cmd := confirm.New(m.c, m.dialogs, g, "", false)
	d.Esc = "cancel (keep porthole running)"
	m.quitDlg = &d
	return m, cmd
}

// stopAndQuit cancels the run and quits when its runner has stopped (with a
// bound, after which it says what may still be running).
func (m Model) stopAndQuit() (tea.Model, tea.Cmd) {
	w := m.win
	m.quitting = true
	if w == nil || w.closed {
		return m, tea.Quit
	}
	w.cancel = true
	w.run.Cancel()
	msg := "stopping the window…"
	if w.running != "" {
		s := m.step(w.running)
		msg = "cancelling " + m.stepTitle(w.running)
		if s != nil && s.Command != "" {
			msg = "cancelling `" + s.Command + "` on " + m.engine.Hosts(s.Role)
		}
		msg += " — porthole quits once it has stopped (ctrl+c again: quit now)"
	}
	m.log.Info("quit requested", "running", w.running)
	return m, tea.Batch(m.setInfo(msg), tea.Tick(30*time.Second, func(time.Time) tea.Msg { return quitTimeoutMsg{} }))
}

// orphanText says which command may still be running after porthole exits.
func (m Model) orphanText(why string) string {
	w := m.win
	if w == nil || w.running == "" {
		return ""
	}
	s := m.step(w.running)
	what := m.stepTitle(w.running)
	if s != nil && s.Command != "" {
		what = "`" + s.Command + "` on " + m.engine.Hosts(s.Role)
	}
	return fmt.Sprintf("porthole: %s: %s may still be running — check it there by hand; window %s can be resumed (porthole offers it on start)", why, what, w.plan.ID)
}

func (m Model) step(id string) *runbooks.Step {
	if m.win == nil {
		return nil
	}
	for _, s := range m.win.plan.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (m Model) stepTitle(id string) string {
	if s := m.step(id); s != nil {
		return s.Title
	}
	return id
}
