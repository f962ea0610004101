package runbooks

import (
	"context"
	"errors"
)

// releaseDeclined lets go of what the window's inert steps hold (Step.Release,
// in reverse order) when the window ended declined, not paused, with only
// inert steps done: such a window cannot resume (journal.WindowState's
// rule), so nothing would let go of its hold otherwise.
func (r *Runner) releaseDeclined(ctx context.Context, err error) {
	var de *DeclinedError
	if !errors.As(err, &de) || de.Pause {
		return
	}
	var held []*Step
	for _, s := range r.plan.Steps {
		if r.state(s.ID) != Done {
			continue
		}
		if !s.Inert {
			return // something was done: the window can resume, and keeps its hold
		}
		if s.Release != nil {
			held = append(held, s)
		}
	}
	for i := len(held) - 1; i >= 0; i-- {
		s := held[i]
		if rerr := s.Release(ctx, r.stepContext(s)); rerr != nil {
			r.emit(StepNote{StepID: s.ID, Level: Warn, Text: "could not let go after the decline: " + rerr.Error()})
		}
	}
}
