package winview

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
	m.gate, m.dialog, m.hidden = &req, nil, false
	m.steps.Waiting(req.StepID, true)
	m.syncNudge()
	m.showSelectedLog()
	if req.Gate.Kind == runbooks.GateContinue {
		return nil
	}
	s := m.step(req.StepID)
	title, danger := "", false
	if s != nil {
		title = fmt.Sprintf("Step %d of %d: %s", m.steps.Index(s.ID)+1, len(m.steps.Steps()), s.Title)
		danger = s.Irreversible
	}
	d, cmd := confirm.New(m.c, m.c.NextDialogID(), question(req.Gate), title, danger)
	d.Where = m.where(s)
	d.Fit(m.dialogW, m.dialogH)
	m.dialog = &d
	return cmd
}

// FitDialog tells the window the size its dialogs are drawn at, so that a
// gate longer than the screen scrolls and waits to be read before a yes.
func (m *Model) FitDialog(w, h int) {
	m.dialogW, m.dialogH = w, h
	if m.dialog != nil {
		m.dialog.Fit(w, h)
	}
}

// where says where a step runs, for its question ("" when it is this machine).
func (m *Model) where(s *runbooks.Step) string {
	if s == nil {
		return ""
	}
	switch s.Role {
	case "", config.RoleLocal:
		return ""
	case config.RoleGerrit:
		return "through Gerrit's REST API"
	}
	w := "runs on " + m.deps.Hosts(s.Role)
	if s.Dir != "" {
		w += " in " + s.Dir
	}
	return w
}

// answer gives the runner the deployer's decision.
func (m *Model) answer(choice string) {
	if m.gate == nil {
		return
	}
	req := *m.gate
	m.gate, m.dialog, m.hidden = nil, nil, false
	m.steps.Waiting(req.StepID, false)
	m.syncNudge()
	user := m.deps.User()
	req.Answer(runbooks.Decision{Choice: choice, By: user, At: m.deps.Now()})
	m.steps.Follow()
	m.showSelectedLog()
	m.deps.Log.Info("gate answered", "step", req.StepID, "choice", choice, "by", user)
}

// onDialogKey gives a key to the open question and acts on the answer.
func (m *Model) onDialogKey(msg tea.KeyPressMsg) (tea.Cmd, []tea.Msg) {
	d, cmd := m.dialog.Update(msg)
	m.dialog = &d
	if d.WantsHide() {
		m.hidden = true
		return cmd, nil
	}
	choice, ok := d.Answer()
	if !ok {
		return cmd, nil
	}
	// "Show their diff" opens the viewer on the fetched patch; the question waits.
	if choice == "d" && m.gate.Gate.Kind == runbooks.GateChoice {
		if p := m.patchFor(m.gate.StepID); p != "" {
			m.hidden = true
			return nil, []tea.Msg{m.openPatch(p)}
		}
	}
	m.answer(choice)
	return cmd, nil
}

// onArm arms the open dialog when the message is its own.
func (m *Model) onArm(msg confirm.ArmMsg) {
	if m.pick != nil {
		p, _, _, _ := m.pick.Update(msg)
		m.pick = &p
	}
	if m.dialog != nil {
		d, _ := m.dialog.Update(msg)
		m.dialog = &d
	}
}
