package tui

import (
	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/components/form"
	"porthole/tui/winview"
)

// stepMode is how the TUI runs a window: one step per enter, and a failed
// step asks whether to retry it instead of ending the window.
func stepMode() runbooks.RunOptions {
	return runbooks.RunOptions{StepMode: true, AskOnFailure: true}
}

// pendingRevert is a revert plan waiting for the window it reverts to stop.
type pendingRevert struct{ plan *runbooks.Plan }

// windowOpen says a window is on and its runner has not stopped.
func (m Model) windowOpen() bool { return m.win != nil && !m.win.Closed() }

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
		if m.windowOpen() {
			return m.setError("a window is still running: finish or quit it first")
		}
		m.form = nil
		m.gen++
		return startCmd(m.ctx, m.engine, m.gen, msg.plan, stepMode(), "start")
	case "revert":
		if msg.err != nil {
			return m.setError("cannot build the revert: " + msg.err.Error())
		}
		if m.windowOpen() {
			m.revert = &pendingRevert{plan: msg.plan}
			m.win.Stop() // it waits at a gate: stop it, then revert
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

// onStarted puts a run that started (or failed to) on screen.
func (m *Model) onStarted(msg startedMsg) tea.Cmd {
	if msg.gen != m.gen {
		if msg.run != nil {
			msg.run.Cancel()
		}
		return nil
	}
	if msg.err != nil {
		return m.setError("cannot start the window: " + msg.err.Error())
	}
	win, follow := winview.New(m.c, m.windowDeps(), msg.gen, msg.plan, msg.run, msg.states)
	if msg.what == "start" && m.carryTaken != nil {
		win.Carry(m.carry) // the suggestions not run yet: s offers them when this one is done
	}
	m.carry, m.carryTaken = nil, nil
	m.win = win
	m.screen = screenWindow
	m.status = "" // "building…", "resuming…": done
	m.log.Info("window started", "id", msg.plan.ID, "kind", msg.plan.Kind, "how", msg.what)
	cmds := []tea.Cmd{follow, m.layout()}
	if !m.ticking {
		m.ticking = true
		cmds = append(cmds, tick())
	}
	if msg.what == "revert" {
		cmds = append(cmds, m.setInfo("revert started: confirm it to revert and sync now"))
	}
	return tea.Batch(cmds...)
}

// windowDeps is what a window asks of the engine.
func (m *Model) windowDeps() winview.Deps {
	e := m.engine
	return winview.Deps{Hosts: e.Hosts, User: e.User, SAL: e.SAL, CIAccount: e.CIAccount(),
		Phabricator: m.opts.Phabricator, Now: m.now, Log: m.log}
}

// onClosed follows the end of a run's events: quit, revert, or list the
// windows again.
func (m *Model) onClosed(msg winview.ClosedMsg) tea.Cmd {
	if m.win == nil || msg.Gen != m.win.Gen() {
		return nil
	}
	if err := m.win.MarkClosed(); err != nil {
		m.setError("closing the journal: " + err.Error())
	}
	switch {
	case m.quitting:
		return tea.Quit
	case m.revert != nil:
		return m.startRevert(m.revert.plan)
	}
	return tea.Batch(windowsCmd(m.engine), pendingCmd(m.ctx, m.engine))
}

// toWindow gives a message to the window and does what it asks.
func (m Model) toWindow(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.win == nil {
		return m, nil
	}
	cmd, reqs := m.win.Update(msg)
	cmds := []tea.Cmd{cmd}
	for _, r := range reqs {
		var c tea.Cmd
		m, c = m.onWindowRequest(r)
		cmds = append(cmds, c)
	}
	cmds = append(cmds, m.dropStale())
	return m, tea.Batch(cmds...)
}

// dropStale takes down what was about a step that no longer runs: the
// "… is running: wait for it" status and the "A step is running. Quit
// anyway?" question (q now quits without asking).
func (m *Model) dropStale() tea.Cmd {
	running := ""
	if m.win != nil {
		running = m.win.Running()
	}
	if m.statusWhile != "" && m.statusWhile != running {
		m.status, m.statusWhile = "", ""
	}
	if m.quitDlg != nil && m.quitStep != "" && m.quitStep != running {
		step := m.quitStep
		m.quitDlg, m.quitStep = nil, ""
		return m.setInfo("the step is no longer running (" + step + "): q quits now without cancelling anything")
	}
	return nil
}

// onWindowRequest does what the window asks.
func (m Model) onWindowRequest(r tea.Msg) (Model, tea.Cmd) {
	switch r := r.(type) {
	case winview.StatusMsg:
		switch {
		case r.Text == "":
			m.status = ""
		case r.Err:
			return m, m.setError(r.Text)
		default:
			cmd := m.setInfo(r.Text)
			m.statusWhile = r.While
			return m, cmd
		}
	case winview.OpenDiffMsg:
		m.diff.SetExpected(r.Expected)
		m.go2(screenDiff)
		return m, tea.Batch(m.diff.Open(r.Path, r.Title), m.layout())
	case winview.FormMsg:
		if r.Suggestion != nil { // the others are offered after this one's window
			m.carry, m.carryTaken = m.win.Suggestions(), r.Suggestion
		}
		f := form.New(m.c, r.Runbook, m.engine.Params(r.Runbook), r.Params)
		f.Reason = r.Reason
		m.form = &f
		m.go2(screenForm)
		return m, m.layout()
	case winview.RevertMsg:
		if m.building == "revert" {
			return m, nil
		}
		m.building = "revert"
		return m, tea.Batch(m.setInfo("building the revert…"), revertCmd(m.ctx, m.engine, r.Plan, r.Facts))
	case winview.HomeMsg:
		return m, m.toHome()
	case winview.QuitMsg:
		mm, cmd := m.quit()
		return mm.(Model), cmd
	}
	return m, nil
}
