package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks/journal"
	"porthole/tui/components/confirm"
)

// abandonAsk is the question before giving up an unfinished window (x on Home).
type abandonAsk struct {
	dlg confirm.Model
	w   journal.WindowSummary
}

// abandonedMsg is the engine's answer to an abandon.
type abandonedMsg struct {
	w   journal.WindowSummary
	err error
}

func abandonCmd(e Engine, w journal.WindowSummary) tea.Cmd {
	return func() tea.Msg { return abandonedMsg{w: w, err: e.Abandon(w)} }
}

// askAbandon opens the confirmation before abandoning w; No is the default.
func (m *Model) askAbandon(w journal.WindowSummary) tea.Cmd {
	if m.windowOpen() && m.win.Plan().ID == w.ID {
		return m.setError("window " + w.ID + " is open: stop it before abandoning it")
	}
	title := w.Title
	if title == "" {
		title = w.ID
	}
	detail := fmt.Sprintf("window %s · %d of %d steps done", w.ID, w.Done, w.Steps)
	if w.Why != "" {
		detail += "\n" + w.Why
	}
	detail += "\nNothing is run or undone: porthole only journals that you gave it up, and no longer offers to resume it. Whatever it changed stays as it is."
	g := confirm.Question{Kind: confirm.YesNo, Default: "n", Prompt: "Abandon " + title + "?", Detail: detail}
	d, cmd := confirm.New(m.c, m.c.NextDialogID(), g, "Unfinished window", false)
	d.Esc = "cancel (keep the window)"
	m.abandon = &abandonAsk{dlg: d, w: w}
	return cmd
}

// onAbandonKey gives a key to the abandon question and acts on the answer.
func (m Model) onAbandonKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	d, _ := m.abandon.dlg.Update(msg)
	m.abandon.dlg = d
	if d.WantsHide() {
		m.abandon = nil
		return m, nil
	}
	choice, ok := d.Answer()
	if !ok {
		return m, nil
	}
	w := m.abandon.w
	m.abandon = nil
	if choice != "y" {
		return m, m.setInfo("window " + w.ID + " kept: enter resumes it")
	}
	m.home.SetLoading(true) // the list shows it until it is read again
	return m, abandonCmd(m.engine, w)
}

// onAbandoned reports an abandon and lists the windows again.
func (m *Model) onAbandoned(msg abandonedMsg) tea.Cmd {
	if msg.err != nil {
		m.home.SetLoading(false) // the list is as it was
		return m.setError("cannot abandon window " + msg.w.ID + ": " + msg.err.Error())
	}
	m.log.Info("window abandoned", "id", msg.w.ID, "by", m.engine.User())
	return tea.Batch(m.setInfo("window "+msg.w.ID+" abandoned (journaled): it is no longer offered for resume"), windowsCmd(m.engine))
}
