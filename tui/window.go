package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/remote"
	"porthole/runbooks"
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
		m.win = &window{gen: msg.gen, plan: msg.plan, run: msg.run, started: m.now(), facts: msg.run.Facts(), incoming: map[string]int{}}
		if m.win.facts == nil {
			m.win.facts = &runbooks.Facts{}
		}
		m.win.sugs = m.win.facts.Suggestions
		m.steps.SetPlan(msg.plan.Steps, msg.states)
		m.logs = logpane.New(m.c, m.now)
		m.card, m.focusLog = false, false
		m.screen = screenWindow
		m.status = "" // "building…", "resuming…": done
		m.log.Info("window started", "id", msg.plan.ID, "kind", msg.plan.Kind, "how", msg.what)
		cmds := []tea.Cmd{waitEvent(msg.gen, msg.run), m.layout(), m.countIncoming()}
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
	case runbooks.FactsLearned:
		before := w.facts
		w.facts = e.Facts
		if e.Facts.Suggested && !before.Suggested {
			w.sugs = e.Facts.Suggestions
		}
		recount := false
		for repo, rf := range e.Facts.Repos {
			if old := before.Repos[repo]; old == nil || old.PatchFile != rf.PatchFile {
				delete(w.incoming, repo) // a new patch (a retried review): count it again
				recount = true
			}
		}
		if recount {
			return m.countIncoming()
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
