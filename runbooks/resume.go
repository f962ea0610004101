package runbooks

import (
	"context"
	"errors"
	"fmt"
	"porthole/runbooks/journal"
	"strings"
)

// Resume rebuilds the plan of an unfinished window from its journal (with
// Build, from the journaled kind and params) and returns the options that
// make a Runner pick it up: done steps are not run again, window variables
// are restored, and the step that was running when porthole stopped is
// re-checked with its Check (or the deployer is asked) rather than re-run.
// A window that stopped at a gate answered no asks that gate again (the
// step was never run); a window whose step failed runs that step again,
// behind its gate (in step mode, the deployer's enter). An abandoned window
// is refused.
// Open the journal with OpenJournal(dir, plan) again: it appends.
func Resume(ctx context.Context, env *Env, state *journal.WindowState) (*Plan, RunOptions, error) {
	if state == nil {
		return nil, RunOptions{}, fmt.Errorf("resume: no window")
	}
	if state.Status == journal.StatusAbandoned {
		return nil, RunOptions{}, fmt.Errorf("window %s was abandoned by %s at %s: it cannot be resumed; start a new window", state.ID, state.AbandonedBy, state.Ended.Local().Format("2006-01-02 15:04"))
	}
	if state.Status == journal.StatusOK {
		return nil, RunOptions{}, fmt.Errorf("window %s finished well at %s: there is nothing to resume", state.ID, state.Ended.Format("2006-01-02 15:04"))
	}
	if state.Kind == "" {
		return nil, RunOptions{}, fmt.Errorf("window %s has no kind in its journal: it cannot be rebuilt", state.ID)
	}
	plan, err := Build(ctx, env, state.Kind, state.Params)
	if err != nil {
		return nil, RunOptions{}, fmt.Errorf("rebuilding window %s: %w", state.ID, err)
	}
	plan.ID = state.ID
	if err := checkSameSteps(plan, state); err != nil {
		return nil, RunOptions{}, err
	}
	return plan, RunOptions{Resume: state}, nil
}

// checkSameSteps makes sure the rebuilt plan still has every step the
// journal knows to be done, skipped or running, in the same order; if not,
// resuming could skip or repeat work, so it is refused.
func checkSameSteps(plan *Plan, state *journal.WindowState) error {
	pos := map[string]int{}
	for i, s := range plan.Steps {
		pos[s.ID] = i
	}
	last := -1
	var lastID string
	for _, s := range state.Steps {
		known := s.State == Done || s.State == Skipped || s.ID == state.Interrupted
		if !known {
			continue
		}
		i, ok := pos[s.ID]
		if !ok {
			return fmt.Errorf("window %s cannot be resumed: its journal has step %q (%s) %s, but the %s runbook rebuilt from its params has no such step (it has: %s); finish it by hand and look at `porthole log show %s`",
				state.ID, s.ID, s.Title, stateWord(s, state), state.Kind, stepIDs(plan), state.ID)
		}
		if i < last {
			return fmt.Errorf("window %s cannot be resumed: the rebuilt %s runbook runs %q before %q, the journal the other way round; finish it by hand",
				state.ID, state.Kind, s.ID, lastID)
		}
		last, lastID = i, s.ID
	}
	return nil
}

func stateWord(s *journal.StepLog, state *journal.WindowState) string {
	if s.ID == state.Interrupted {
		return "running"
	}
	return s.State.String()
}

func stepIDs(p *Plan) string {
	ids := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}

// OpenJournal opens the journal of plan's window under the state dir (see
// journal.Open): a new window's, or a resumed one's to append to. A plan with
// no ID gets the one the journal generated.
func OpenJournal(dir string, plan *Plan) (*journal.Journal, error) {
	if plan == nil {
		return nil, errors.New("open journal: no plan")
	}
	j, err := journal.Open(dir, journal.Header{ID: plan.ID, Kind: plan.Kind})
	if err != nil {
		return nil, err
	}
	plan.ID = j.ID()
	return j, nil
}
