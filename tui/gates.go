package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"porthole/config"
	"porthole/runbooks"
	"porthole/tui/components/confirm"
)

// onGate shows a gate: a step-mode pause waits for enter; any other
// question opens a dialog.
func (m *Model) onGate(req runbooks.GateRequest) tea.Cmd {
	w := m.win
	w.gate, w.dialog, w.hidden = &req, nil, false
	m.steps.Waiting(req.StepID, true)
	m.syncNudge()
	m.showSelectedLog()
	if req.Gate.Kind == runbooks.GateContinue {
		return nil
	}
	m.dialogs++
	s := m.step(req.StepID)
	title, danger := "", false
	if s != nil {
		title = fmt.Sprintf("Step %d of %d: %s", m.steps.Index(s.ID)+1, len(m.steps.Steps()), s.Title)
		danger = s.Irreversible
	}
	d, cmd := confirm.New(m.c, m.dialogs, req.Gate, title, danger)
	d.Where = m.where(s)
	w.dialog = &d
	return cmd
}

// where says where a step runs, for its question ("" when it is this machine).
func (m Model) where(s *runbooks.Step) string {
	if s == nil {
		return ""
	}
	switch s.Role {
	case "", config.RoleLocal:
		return ""
	case config.RoleGerrit:
		return "through Gerrit's REST API"
	}
	w := "runs on " + m.engine.Hosts(s.Role)
	if s.Dir != "" {
		w += " in " + s.Dir
	}
	return w
}

// answer gives the runner the deployer's decision.
func (m *Model) answer(choice string) {
	w := m.win
	if w == nil || w.gate == nil {
		return
	}
	req := *w.gate
	w.gate, w.dialog, w.hidden = nil, nil, false
	m.steps.Waiting(req.StepID, false)
	m.syncNudge()
	req.Answer(runbooks.Decision{Choice: choice, By: m.engine.User(), At: m.now()})
	m.steps.Follow()
	m.showSelectedLog()
	m.log.Info("gate answered", "step", req.StepID, "choice", choice, "by", m.engine.User())
}

// onDialogKey gives a key to the open question and acts on the answer.
func (m Model) onDialogKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	w := m.win
	d, cmd := w.dialog.Update(msg)
	w.dialog = &d
	if d.WantsHide() {
		w.hidden = true
		return m, cmd
	}
	choice, ok := d.Answer()
	if !ok {
		return m, cmd
	}
	// "Show their diff" opens the viewer on the fetched patch; the question waits.
	if choice == "d" && w.gate.Gate.Kind == runbooks.GateChoice {
		if p := m.patchFor(w.gate.StepID); p != "" {
			w.hidden = true
			return m, m.openPatch(p)
		}
	}
	m.answer(choice)
	return m, cmd
}
