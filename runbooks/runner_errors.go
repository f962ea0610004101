package runbooks

import (
	"errors"
	"fmt"
)

// ErrDeclined is matched (errors.Is) by every DeclinedError.
var ErrDeclined = errors.New("declined")

// DeclinedError ends a run whose deployer answered "n" at a gate.
type DeclinedError struct {
	StepID string
	Title  string
	Prompt string
	By     string
}

func (e *DeclinedError) Error() string {
	return fmt.Sprintf("stopped before step %q (%s): %s answered no to %q", e.StepID, e.Title, e.By, e.Prompt)
}

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
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrDeclined):
		return StatusDeclined
	case errors.As(err, &ce):
		return StatusCancelled
	default:
		return StatusFailed
	}
}
