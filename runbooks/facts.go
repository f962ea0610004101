package runbooks

import "porthole/runbooks/journal"

// The engine's vocabulary lives in package journal, which records it and sits
// below the engine; these aliases keep it the engine's words for runbooks.
type (
	// Facts is what a window's steps learn as they run (journal.Facts).
	Facts = journal.Facts
	// ExtraCommit is an accepted unexpected commit (journal.ExtraCommit).
	ExtraCommit = journal.ExtraCommit
	// Suggestion is a maintenance runbook a deployed change calls for (journal.Suggestion).
	Suggestion = journal.Suggestion
	// StepState is where a step is (journal.StepState).
	StepState = journal.StepState
	// GateKind says how a gate is answered (journal.GateKind).
	GateKind = journal.GateKind
	// Choice is one answer a GateChoice offers (journal.Choice).
	Choice = journal.Choice
	// Level grades a warning or note (journal.Level).
	Level = journal.Level
)

// Step states.
const (
	Pending = journal.Pending
	Running = journal.Running
	Done    = journal.Done
	Failed  = journal.Failed
	Skipped = journal.Skipped
)

// Gate kinds (journal.GateKind).
const (
	GateContinue = journal.GateContinue
	GateConfirm  = journal.GateConfirm
	GateChoice   = journal.GateChoice
	GateTyped    = journal.GateTyped
)

// Levels of warnings and notes.
const (
	Info   = journal.Info
	Warn   = journal.Warn
	Danger = journal.Danger
)

// RunKey names a maintenance run of a step: prefix (the step) and key (the wiki or "all").
func RunKey(prefix, key string) string { return journal.RunKey(prefix, key) }

// FactsLearned: a step changed the window's facts; Facts is the whole new set.
type FactsLearned struct {
	StepID string
	Facts  *Facts
}

func (FactsLearned) isEvent() {}
