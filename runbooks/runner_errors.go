package runbooks

import (
	"errors"
	"fmt"
	"porthole/runbooks/journal"
)

// ErrDeclined is matched (errors.Is) by every DeclinedError.
var ErrDeclined = errors.New("declined")

// DeclinedError ends a run whose deployer answered "n" at a gate.
type DeclinedError struct {
	StepID string
	Title  string
	Prompt string
	By     string
	Pause  bool // the step pauses the window on no (Step.PauseOnDecline)
}

func (e *DeclinedError) Error() string {
	if e.Pause {
		return fmt.Sprintf("paused before step %q (%s): %s answered not now to %q; resume the window to go on", e.StepID, e.Title, e.By, e.Prompt)
	}
	return fmt.Sprintf("stopped before step %q (%s): %s answered no to %q", e.StepID, e.Title, e.By, e.Prompt)
}

// ErrRolledBack is matched (errors.Is) by every RolledBackError.
var ErrRolledBack = errors.New("rolled back")

// RolledBackError ends a run that a step rolled back on the deployer's
// word: what the window changed is undone; Detail says what is left.
type RolledBackError struct {
	StepID string
	By     string
	Detail string
}

func (e *RolledBackError) Error() string {
	return fmt.Sprintf("rolled back by %s at step %q: %s", e.By, e.StepID, e.Detail)
}

// Is makes errors.Is(err, ErrRolledBack) true.
func (e *RolledBackError) Is(target error) bool { return target == ErrRolledBack }

// Is makes errors.Is(err, ErrDeclined) true.
func (e *DeclinedError) Is(target error) bool { return target == ErrDeclined }

// StepError ends a run whose step failed.
type StepError struct {
	StepID string
	Title  string
	Err    error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %q (%s) failed: %v", e.StepID, e.Title, e.Err)
}

// Unwrap gives the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// CancelledError ends a run that was cancelled (Runner.Cancel or its context).
type CancelledError struct {
	StepID string // the step that was running or about to run; "" between steps
	Err    error  // context.Canceled or the context's cause
}

func (e *CancelledError) Error() string {
	if e.StepID == "" {
		return "window cancelled: " + e.Err.Error()
	}
	return fmt.Sprintf("window cancelled at step %q: %v", e.StepID, e.Err)
}

// Unwrap gives the context's error.
func (e *CancelledError) Unwrap() error { return e.Err }

// statusOf maps a run's final error to a window status.
func statusOf(err error) string {
	var ce *CancelledError
	var de *DeclinedError
	switch {
	case err == nil:
		return journal.StatusOK
	case errors.Is(err, ErrRolledBack):
		return journal.StatusRolledBack
	case errors.As(err, &de) && de.Pause:
		return journal.StatusPaused
	case errors.Is(err, ErrDeclined):
		return journal.StatusDeclined
	case errors.As(err, &ce):
		return journal.StatusCancelled
	default:
		return journal.StatusFailed
	}
}
