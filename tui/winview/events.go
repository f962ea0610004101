package winview

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/remote"
	"porthole/runbooks"
	"porthole/tui/components/logpane"
	"porthole/tui/components/steplist"
)

// EventMsg is one event of run Gen.
type EventMsg struct {
	Gen int
	Ev  runbooks.Event
}

// ClosedMsg says run Gen's events channel is closed (the runner stopped).
type ClosedMsg struct{ Gen int }

// waitEvent reads the next event of run gen (one message per event, re-armed
// by Update after each one); the channel's close ends the chain.
func waitEvent(gen int, run Run) tea.Cmd {
	ch := run.Events()
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return ClosedMsg{Gen: gen}
		}
		return EventMsg{Gen: gen, Ev: ev}
	}
}

// onEvent follows one event of the run.
func (m *Model) onEvent(ev runbooks.Event) (tea.Cmd, []tea.Msg) {
	switch e := ev.(type) {
	case runbooks.StepStarted:
		m.running, m.gate, m.dialog = e.StepID, nil, nil
		m.steps.Started(e.StepID, e.Attempt, e.At)
		m.logs.Started(e.StepID, e.At)
		m.showSelectedLog()
	case runbooks.StepOutput:
		m.onOutput(e)
	case runbooks.StepProgress:
		m.logs.Progress(e.StepID, e.Progress, m.deps.Now())
	case runbooks.StepNote:
		id := e.StepID
		if s := m.steps.Selected(); id == "" && s != nil {
			id = s.ID
		}
		m.logs.Add(id, logpane.Entry{Time: m.deps.Now(), Kind: logpane.Note, Level: logLevel(e.Level), Text: e.Text})
	case runbooks.CommandRun:
		m.onCommandRun(e)
	case runbooks.FactsLearned:
		return m.onFacts(e), nil
	case runbooks.GateRequest:
		return m.onGate(e), nil
	case runbooks.StepFinished:
		return nil, m.onStepFinished(e)
	case runbooks.RunFinished:
		m.finished, m.err, m.gate, m.dialog, m.running = true, e.Err, nil, nil, ""
		declined := errors.Is(e.Err, runbooks.ErrDeclined)
		m.deps.Log.Info("window finished", "id", m.plan.ID, "err", e.Err, "declined", declined)
		return nil, []tea.Msg{StatusMsg{}} // the footer's next action says how it ended
	}
	return nil, nil
}

func (m *Model) onOutput(e runbooks.StepOutput) {
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
}

func (m *Model) onCommandRun(e runbooks.CommandRun) {
	r := e.Result
	text := fmt.Sprintf("→ exit %d after %s", r.ExitCode, r.Duration.Round(time.Millisecond))
	level := logpane.Info
	if e.Err != nil {
		text, level = "→ "+e.Err.Error(), logpane.Danger
	} else if r.ExitCode != 0 {
		level = logpane.Warn
	}
	m.logs.Add(e.StepID, logpane.Entry{Time: m.deps.Now(), Host: r.Host, Kind: logpane.Note, Level: level, Text: text})
}

func (m *Model) onStepFinished(e runbooks.StepFinished) []tea.Msg {
	if m.running == e.StepID {
		m.running = ""
	}
	m.steps.Finished(e.StepID, listState(e.State), e.Err, e.Duration)
	m.logs.Ended(e.StepID, m.deps.Now())
	m.showSelectedLog()
	if e.State == runbooks.Failed && e.Err != nil {
		// the whole error, wrapped in the log: the status line cuts it
		m.logs.Add(e.StepID, logpane.Entry{Time: m.deps.Now(), Kind: logpane.Note, Level: logpane.Danger, Text: "failed: " + e.Err.Error()})
		return []tea.Msg{StatusMsg{Text: m.StepTitle(e.StepID) + " failed: " + e.Err.Error(), Err: true}}
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
	if in := m.steps.Info(s.ID); m.logs.Lines(s.ID) == 0 && in != nil && in.State == steplist.Pending {
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
func (m *Model) shortCommand(stepID, text string) string {
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
