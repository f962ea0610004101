package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"porthole/remote"
	"porthole/runbooks"
	"porthole/tui/components/confirm"
	"porthole/tui/components/form"
	"porthole/tui/components/logpane"
)

// stepMode is how the TUI runs a window: one step per enter, and a failed
// step asks whether to retry it instead of ending the window.
func stepMode() runbooks.RunOptions {
	return runbooks.RunOptions{StepMode: true, AskOnFailure: true}
}

// pendingRevert is a revert plan waiting for the window it reverts to stop.
type pendingRevert struct{ plan *runbooks.Plan }

// onBuilt starts a runbook or a revert once its plan is built.
func (m *Model) onBuilt(msg builtMsg) tea.Cmd {
	m.building = ""
	switch msg.what {
	case "runbook":
		if msg.err != nil {
			if m.form != nil {
				m.form.SetError(msg.err)
			}
			return m.setError("cannot build " + msg.kind + ": " + msg.err.Error())
		}
		if m.win != nil && !m.win.closed {
			return m.setError("a window is still running: finish or quit it first")
		}
		m.form = nil
		m.gen++
		return startCmd(m.ctx, m.engine, m.gen, msg.plan, stepMode(), "start")
	case "revert":
		if msg.err != nil {
			return m.setError("cannot build the revert: " + msg.err.Error())
		}
		if m.win != nil && !m.win.closed {
			m.revert = &pendingRevert{plan: msg.plan}
			m.win.cancel = true
			m.win.run.Cancel() // it waits at a gate: stop it, then revert
			return m.setInfo("stopping the window to revert…")
		}
		return m.startRevert(msg.plan)
	}
	return nil
}

// startRevert runs a revert plan without step pauses: its one gate is the
// confirmation (an emergency does not wait on enter after enter).
func (m *Model) startRevert(plan *runbooks.Plan) tea.Cmd {
	m.revert = nil
	m.gen++
	return startCmd(m.ctx, m.engine, m.gen, plan, runbooks.RunOptions{AskOnFailure: true}, "revert")
}

// onWindowMsg handles a run's lifecycle and events.
func (m Model) onWindowMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case startedMsg:
		if msg.gen != m.gen {
			if msg.run != nil {
				msg.run.Cancel()
			}
			return m, nil, true
		}
		if msg.err != nil {
			return m, m.setError("cannot start the window: " + msg.err.Error()), true
		}
		m.win = &window{gen: msg.gen, plan: msg.plan, run: msg.run, started: m.now(), vars: map[string]string{}}
		for k, v := range msg.run.Vars() {
			m.win.vars[k] = v
		}
		m.steps.SetPlan(msg.plan.Steps, msg.states)
		m.logs = logpane.New(m.c, m.now)
		m.card, m.focusLog = false, false
		m.screen = screenWindow
		m.status = "" // "building…", "resuming…": done
		m.log.Info("window started", "id", msg.plan.ID, "kind", msg.plan.Kind, "how", msg.what)
		cmds := []tea.Cmd{waitEvent(msg.gen, msg.run), m.layout()}
		if !m.ticking {
			m.ticking = true
			cmds = append(cmds, tick())
		}
		if msg.what == "revert" {
			cmds = append(cmds, m.setInfo("revert started: confirm it to revert and sync now"))
		}
		return m, tea.Batch(cmds...), true
	case eventMsg:
		if m.win == nil || msg.gen != m.win.gen {
			return m, nil, true
		}
		cmd := m.onEvent(msg.ev)
		return m, tea.Batch(cmd, waitEvent(msg.gen, m.win.run)), true
	case runClosedMsg:
		if m.win == nil || msg.gen != m.win.gen {
			return m, nil, true
		}
		m.win.closed = true
		if err := m.win.run.Close(); err != nil {
			m.setError("closing the journal: " + err.Error())
		}
		switch {
		case m.quitting:
			return m, tea.Quit, true
		case m.revert != nil:
			return m, m.startRevert(m.revert.plan), true
		}
		return m, windowsCmd(m.engine), true
	}
	return m, nil, false
}

// onEvent follows one event of the run.
func (m *Model) onEvent(ev runbooks.Event) tea.Cmd {
	w := m.win
	switch e := ev.(type) {
	case runbooks.StepStarted:
		w.running, w.gate, w.dialog = e.StepID, nil, nil
		m.steps.Started(e.StepID, e.Attempt, e.At)
		m.logs.Started(e.StepID, e.At)
		m.showSelectedLog()
	case runbooks.StepOutput:
		kind := logpane.Output
		if e.Line.Stream == remote.Stderr {
			kind = logpane.Stderr
		}
		text := e.Line.Text
		if strings.HasPrefix(text, "$ ") {
			kind = logpane.Command
			text = m.shortCommand(e.StepID, text)
		}
		m.logs.Add(e.StepID, logpane.Entry{Time: e.Line.Time, Host: e.Line.Host, Kind: kind, Text: text})
	case runbooks.StepProgress:
		m.logs.Progress(e.StepID, e.Progress, m.now())
	case runbooks.StepNote:
		id := e.StepID
		if s := m.steps.Selected(); id == "" && s != nil {
			id = s.ID
		}
		m.logs.Add(id, logpane.Entry{Time: m.now(), Kind: logpane.Note, Level: e.Level, Text: e.Text})
	case runbooks.CommandRun:
		r := e.Result
		text := fmt.Sprintf("→ exit %d after %s", r.ExitCode, r.Duration.Round(time.Millisecond))
		level := runbooks.Info
		if e.Err != nil {
			text, level = "→ "+e.Err.Error(), runbooks.Danger
		} else if r.ExitCode != 0 {
			level = runbooks.Warn
		}
		m.logs.Add(e.StepID, logpane.Entry{Time: m.now(), Host: r.Host, Kind: logpane.Note, Level: level, Text: text})
	case runbooks.VarSet:
		w.vars[e.Key] = e.Value
		if e.Key == "suggestions" {
			w.sugs = nil
			_ = json.Unmarshal([]byte(e.Value), &w.sugs)
		}
	case runbooks.GateRequest:
		return m.onGate(e)
	case runbooks.StepFinished:
		if w.running == e.StepID {
			w.running = ""
		}
		m.steps.Finished(e.StepID, e.State, e.Err, e.Duration)
		m.logs.Ended(e.StepID, m.now())
		m.showSelectedLog()
		if e.State == runbooks.Failed && e.Err != nil {
			return m.setError(m.stepTitle(e.StepID) + " failed: " + e.Err.Error())
		}
	case runbooks.RunFinished:
		w.finished, w.err, w.gate, w.dialog, w.running = true, e.Err, nil, nil, ""
		declined := errors.Is(e.Err, runbooks.ErrDeclined)
		m.log.Info("window finished", "id", w.plan.ID, "err", e.Err, "declined", declined)
		m.status = "" // the footer's next action says how it ended
	}
	return nil
}

// showSelectedLog shows the log of the step selected in the list; for a
// step that has not started, the log of the last step that has one (what the
// deployer just ran is worth reading before the next enter).
func (m *Model) showSelectedLog() {
	s := m.steps.Selected()
	if s == nil {
		return
	}
	if in := m.steps.Info(s.ID); m.logs.Lines(s.ID) == 0 && in != nil && in.State == runbooks.Pending {
		steps := m.steps.Steps()
		for i := m.steps.Index(s.ID) - 1; i >= 0; i-- {
			if m.logs.Lines(steps[i].ID) > 0 {
				m.logs.Show(steps[i].ID, steps[i].Title)
				return
			}
		}
	}
	m.logs.Show(s.ID, s.Title)
}

// shortCommand drops the "cd DIR && " the executor puts before a command when
// DIR is the step's own directory (shown with the step), so that the log reads
// like the deployers' procedure: "$ git fetch".
func (m Model) shortCommand(stepID, text string) string {
	s := m.step(stepID)
	if s == nil || s.Dir == "" {
		return text
	}
	prefix := "$ cd " + remote.Quote(s.Dir) + " && "
	if rest, ok := strings.CutPrefix(text, prefix); ok {
		return "$ " + rest
	}
	return text
}

// onGate shows a gate: a step-mode pause waits for enter; any other
// question opens a dialog.
func (m *Model) onGate(req runbooks.GateRequest) tea.Cmd {
	w := m.win
	w.gate, w.dialog, w.hidden = &req, nil, false
	m.steps.Waiting(req.StepID, true)
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
	case "", runbooks.RoleLocal:
		return ""
	case runbooks.RoleGerrit:
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
			m.win = nil
			m.screen = screenHome
			return m, tea.Batch(windowsCmd(m.engine), m.layout())
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
		m.win = nil
		m.screen = screenHome
		return tea.Batch(windowsCmd(m.engine), m.layout())
	}
	return nil
}

// canRevert is true once something of a backport window is synced.
func (m Model) canRevert() bool {
	if m.win == nil || m.win.plan.Kind != "backport" {
		return false
	}
	for k, v := range m.win.vars {
		if strings.HasPrefix(k, "synced:") && v == "1" {
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
	vars := make(map[string]string, len(w.vars))
	for k, v := range w.vars {
		vars[k] = v
	}
	return tea.Batch(m.setInfo("building the revert…"), revertCmd(m.ctx, m.engine, w.plan, vars))
}

// copySAL puts the window's Server Admin Log text on the clipboard (OSC 52).
func (m *Model) copySAL() tea.Cmd {
	if m.win == nil || len(m.win.plan.Changes) == 0 {
		return m.setInfo("no SAL text: this window has no changes")
	}
	sal := m.engine.SAL(m.win.plan, m.win.vars)
	return tea.Batch(tea.SetClipboard(sal), m.setInfo("copied (OSC 52): "+sal))
}

// patchFor is the incoming patch of a step's checkout, or of any checkout.
func (m Model) patchFor(stepID string) string {
	if m.win == nil {
		return ""
	}
	if repo, ok := strings.CutPrefix(stepID, "review-"); ok {
		if p := m.win.vars["patch:"+repo]; p != "" {
			return p
		}
	}
	var keys []string
	for k := range m.win.vars {
		if strings.HasPrefix(k, "patch:") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return m.win.vars[keys[0]]
}

// openPatch opens a fetched patch in the viewer, marking commits that are
// not the window's.
func (m *Model) openPatch(path string) tea.Cmd {
	var ids []string
	for _, ch := range m.win.plan.Changes {
		ids = append(ids, ch.ChangeID)
	}
	m.diff.SetExpected(ids)
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
	d, cmd := confirm.New(m.c, m.dialogs, g, "", false)
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
