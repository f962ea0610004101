package runbooks

import (
	"time"

	"porthole/remote"
)

// Event is what a Runner reports, in order, on its Events channel.
type Event interface{ isEvent() }

// StepStarted: a step began (Attempt counts retries from 1).
type StepStarted struct {
	StepID  string
	Attempt int
	At      time.Time
}

// StepOutput: one line of a step's output.
type StepOutput struct {
	StepID string
	Line   remote.Line
}

// StepProgress: a fan-out or scap progress update.
type StepProgress struct {
	StepID   string
	Progress remote.Progress
}

// StepNote: a check's finding, a status line (e.g. merge wait elapsed time).
type StepNote struct {
	StepID string
	Level  Level
	Text   string
}

// StepFinished: a step ended.
type StepFinished struct {
	StepID   string
	State    StepState
	Err      error
	Duration time.Duration
}

// GateRequest: the runner waits for an answer; call Answer exactly once.
type GateRequest struct {
	StepID string
	Gate   Gate
	Reply  chan<- Decision
}

// Answer gives the runner the deployer's decision.
func (g GateRequest) Answer(d Decision) { g.Reply <- d }

// RunFinished: the run ended (Err nil on success); the channel closes after it.
type RunFinished struct {
	Err error
}

func (StepStarted) isEvent()  {}
func (StepOutput) isEvent()   {}
func (StepProgress) isEvent() {}
func (StepNote) isEvent()     {}
func (StepFinished) isEvent() {}
func (GateRequest) isEvent()  {}
func (RunFinished) isEvent()  {}
