// Package winview is the running window's screen: the step list, the live
// log (or the change cards), the gate questions, the incoming diff's nudge
// and the revert key. The root model creates one per run, routes the run's
// messages and the keys to it, and does what it asks (open the diff viewer,
// a form, Home; build a revert; show a status) in the same update.
package winview

import (
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/confirm"
	"porthole/tui/components/logpane"
	"porthole/tui/components/revertpick"
	"porthole/tui/components/steplist"
)

// Run is a window being run: its events, a way to stop it, what it learned.
type Run interface {
	Events() <-chan runbooks.Event
	Cancel()
	Facts() *runbooks.Facts
	// Close releases the journal once the events are drained.
	Close() error
}

// Deps is what the window asks of the engine; none of it does I/O.
type Deps struct {
	Hosts       func(role string) string         // names a role's hosts ("deploy1002", "5 app servers")
	User        func() string                    // who is deploying
	SAL         func(plan *runbooks.Plan) string // the SAL text of the plan's changes
	CIAccount   string                           // whose Verified vote counts (on the change cards)
	Phabricator string                           // the base URL of task links
	Now         func() time.Time
	Log         *slog.Logger
}

// Model is one run on screen: its plan, its runner, and where it is.
type Model struct {
	c    *common.Common
	deps Deps

	gen      int
	plan     *runbooks.Plan
	run      Run
	started  time.Time
	running  string // the step running now
	gate     *runbooks.GateRequest
	dialog   *confirm.Model
	pick     *revertpick.Model // which synced changes to revert (r), while it asks
	hidden   bool              // the dialog is hidden (esc): the gate waits
	facts    facts
	finished bool
	closed   bool // the events channel is drained
	err      error
	cancel   bool // a cancel was asked
	diffRead bool // d was pressed (the incoming diff was opened) in this window
	dialogW  int  // the size dialogs are drawn at (FitDialog)
	dialogH  int

	steps    steplist.Model
	logs     logpane.Model
	card     bool // the change cards replace the log pane
	focusLog bool
	width    int
	height   int
}

var _ common.Component = (*Model)(nil)

// New shows run gen of plan (states: steps a resumed window already did)
// and returns the commands that follow it: its events, the incoming counts.
func New(c *common.Common, deps Deps, gen int, plan *runbooks.Plan, run Run, states map[string]runbooks.StepState) (*Model, tea.Cmd) {
	m := &Model{c: c, deps: deps, gen: gen, plan: plan, run: run, started: deps.Now(),
		facts: factsOf(run)}
	m.steps = steplist.New(c)
	m.steps.SetPlan(listSteps(plan.Steps, deps.Hosts), listStates(states))
	m.logs = logpane.New(c, deps.Now)
	return m, waitEvent(gen, run)
}

// Gen is the run's number (messages of older runs are dropped).
func (m *Model) Gen() int { return m.gen }

// Plan is the plan being run.
func (m *Model) Plan() *runbooks.Plan { return m.plan }

// Title is the plan's title.
func (m *Model) Title() string { return m.plan.Title }

// Started is when the window opened on screen.
func (m *Model) Started() time.Time { return m.started }

// Running is the step running now ("" when none).
func (m *Model) Running() string { return m.running }

// Gate is the question waiting for an answer (nil when none).
func (m *Model) Gate() *runbooks.GateRequest { return m.gate }

// Dialog is the open question's dialog (nil for a step-mode pause).
func (m *Model) Dialog() *confirm.Model { return m.dialog }

// Hidden says the dialog was hidden with esc (the gate still waits).
func (m *Model) Hidden() bool { return m.hidden }

// DialogShown says a dialog is on screen and takes the keys.
func (m *Model) DialogShown() bool { return m.pick != nil || m.dialog != nil && !m.hidden }

// Finished says the run has ended (RunFinished came).
func (m *Model) Finished() bool { return m.finished }

// Closed says the run's events are drained and its journal closed.
func (m *Model) Closed() bool { return m.closed }

// Err is how the run ended (nil: done).
func (m *Model) Err() error { return m.err }

// Stopping says a cancel was asked.
func (m *Model) Stopping() bool { return m.cancel }

// StepList is the step list (tests).
func (m *Model) StepList() steplist.Model { return m.steps }

// FocusLog says the keys scroll the log, not the step list.
func (m *Model) FocusLog() bool { return m.focusLog }

// Stop cancels the run (a gate waiting is released).
func (m *Model) Stop() {
	m.cancel = true
	m.run.Cancel()
}

// MarkClosed records that the events are drained and closes the journal.
func (m *Model) MarkClosed() error {
	m.closed = true
	return m.run.Close()
}

// Shutdown stops a run still open when the program has ended: it cancels it
// and drains its events (a pending gate is released by the cancel) for at
// most d. It says whether the runner stopped in time.
func (m *Model) Shutdown(d time.Duration) bool {
	if m.closed || m.run == nil {
		return true
	}
	m.run.Cancel()
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-m.run.Events():
			if !ok {
				_ = m.run.Close()
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// step is step id of the plan (nil when there is none).
func (m *Model) step(id string) *runbooks.Step {
	for _, s := range m.plan.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// StepTitle is step id's title (its id when it has none).
func (m *Model) StepTitle(id string) string {
	if s := m.step(id); s != nil {
		return s.Title
	}
	return id
}

// StepCommand is what step id runs and where ("" when it runs no command).
func (m *Model) StepCommand(id string) (command, hosts string) {
	s := m.step(id)
	if s == nil || s.Command == "" {
		return "", ""
	}
	return s.Command, m.deps.Hosts(s.Role)
}

// Step is step id of the plan, nil when there is none.
func (m *Model) Step(id string) *runbooks.Step { return m.step(id) }
