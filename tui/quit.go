package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/components/confirm"
)

// interrupt is ctrl+c: cancel the running step (and say so), and quit once
// nothing is left running; a second ctrl+c quits at once, saying what may
// still run.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	if !m.windowOpen() {
		return m, tea.Quit
	}
	if m.win.Stopping() && m.quitting {
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
	if !m.windowOpen() {
		return m, tea.Quit
	}
	running := m.win.Running()
	if running == "" {
		return m.stopAndQuit()
	}
	detail := ""
	if cmd, hosts := m.win.StepCommand(running); cmd != "" {
		detail = "$ " + cmd + "\non " + hosts
	}
	g := confirm.Question{Kind: confirm.YesNo, Default: "n",
		Prompt: "A step is running (" + m.win.StepTitle(running) + "). Quit anyway? porthole cancels it and waits for it to stop.",
		Detail: detail}
	if s := m.win.Step(running); s != nil && s.Irreversible {
		g.Prompt = productionPrompt(s)
	}
	d, cmd := confirm.New(m.c, m.c.NextDialogID(), g, "", false)
	d.Esc = "cancel (keep porthole running)"
	m.quitDlg, m.quitStep = &d, running
	return m, cmd
}

// stopAndQuit cancels the run and quits when its runner has stopped (with a
// bound, after which it says what may still be running).
func (m Model) stopAndQuit() (tea.Model, tea.Cmd) {
	m.quitting = true
	if !m.windowOpen() {
		return m, tea.Quit
	}
	w := m.win
	w.Stop()
	msg := "stopping the window…"
	if running := w.Running(); running != "" {
		msg = "cancelling " + w.StepTitle(running)
		if cmd, hosts := w.StepCommand(running); cmd != "" {
			msg = "cancelling `" + cmd + "` on " + hosts
		}
		msg += " — porthole quits once it has stopped (ctrl+c again: quit now)"
	}
	m.log.Info("quit requested", "running", w.Running())
	return m, tea.Batch(m.setInfo(msg), tea.Tick(30*time.Second, func(time.Time) tea.Msg { return quitTimeoutMsg{} }))
}

// orphanText says which command may still be running after porthole exits.
func (m Model) orphanText(why string) string {
	if m.win == nil || m.win.Running() == "" {
		return ""
	}
	running := m.win.Running()
	what := m.win.StepTitle(running)
	if cmd, hosts := m.win.StepCommand(running); cmd != "" {
		what = "`" + cmd + "` on " + hosts
	}
	return fmt.Sprintf("porthole: %s: %s may still be running — check it there by hand; window %s can be resumed (porthole offers it on start)", why, what, m.win.Plan().ID)
}
