package runbooks

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"porthole/remote"
	"porthole/runbooks/journal"
)

// RunOptions tune a run.
type RunOptions struct {
	// StepMode pauses with a GateContinue before every step (the TUI's "enter runs the next step").
	StepMode bool
	// Resume picks up an unfinished window: its done steps are not run again,
	// its variables are restored, and the step that was running is re-checked.
	Resume *journal.WindowState
	// StartAt starts at this step; earlier steps not already done are journaled as skipped.
	StartAt string
	// AskOnFailure asks, when a step fails for good, whether to retry it ("r")
	// or stop ("n", the default), instead of stopping at once.
	AskOnFailure bool
	// Backoff is the wait before retry n (from 1) of a step after a transient
	// error; DefaultBackoff (1s, 2s, 4s, 4s, …) when nil.
	Backoff func(attempt int) time.Duration
}

// Runner runs a Plan's steps in order, asks its gates, retries transient
// failures, journals everything, and reports on Events.
type Runner struct {
	env  *Env
	plan *Plan
	j    *journal.Journal
	opts RunOptions

	mu        sync.Mutex
	states    map[string]StepState
	facts     *Facts          // what the steps learned; guarded by mu
	confirmed map[string]bool // steps whose gate was answered yes in this run
	started   bool
	cancel    context.CancelFunc
	cancelled bool // Cancel before Start

	progMu   sync.Mutex
	progress map[string]progressMark

	q *eventQueue
}

// NewRunner prepares a run of plan against env, journaled to j (nil for no
// journal). Call Start to run it and read Events until it is closed.
func NewRunner(env *Env, plan *Plan, j *journal.Journal, opts RunOptions) *Runner {
	if env == nil {
		env = &Env{}
	}
	r := &Runner{env: env, plan: plan, j: j, opts: opts,
		states: map[string]StepState{}, facts: &Facts{}, confirmed: map[string]bool{},
		progress: map[string]progressMark{}, q: newEventQueue()}
	for _, s := range plan.Steps {
		if s != nil {
			r.states[s.ID] = Pending
		}
	}
	if rs := opts.Resume; rs != nil {
		for _, s := range plan.Steps {
			if s == nil {
				continue
			}
			if st := rs.StepState(s.ID); st == Done || st == Skipped {
				r.states[s.ID] = st
			}
		}
		r.facts = rs.Facts.Copy()
	}
	return r
}

// Events reports the run, in order; it is closed after RunFinished. The
// reader must drain it and answer every GateRequest.
func (r *Runner) Events() <-chan Event { return r.q.out }

// Plan is the plan being run.
func (r *Runner) Plan() *Plan { return r.plan }

// Journal is the run's journal (nil when it has none).
func (r *Runner) Journal() *journal.Journal { return r.j }

// Start runs the plan in a goroutine; a second call does nothing.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return
	}
	r.started = true
	ctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	if r.cancelled {
		cancel()
	}
	r.mu.Unlock()
	go r.run(ctx)
}

// Cancel stops the run: the running command is killed, the step is journaled
// as interrupted (so a resume re-checks it) and the run finishes.
func (r *Runner) Cancel() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancelled = true
	if r.cancel != nil {
		r.cancel()
	}
}

// States is a snapshot of every step's state.
func (r *Runner) States() map[string]StepState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]StepState, len(r.states))
	for k, v := range r.states {
		out[k] = v
	}
	return out
}

// Facts is a copy of what the window's steps have learned so far.
func (r *Runner) Facts() *Facts {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.facts.Copy()
}

func (r *Runner) setState(id string, s StepState) {
	r.mu.Lock()
	r.states[id] = s
	r.mu.Unlock()
}

func (r *Runner) state(id string) StepState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states[id]
}

func (r *Runner) now() time.Time {
	if r.env.Now != nil {
		return r.env.Now()
	}
	return time.Now()
}

// user is who answers gates, for the journal.
func (r *Runner) user() string {
	if r.env.User != "" {
		return r.env.User
	}
	return journal.CurrentUser()
}

func (r *Runner) run(ctx context.Context) {
	defer r.q.close()
	if err := r.begin(); err != nil {
		r.q.push(RunFinished{Err: err})
		return
	}
	err := r.execute(ctx)
	r.releaseDeclined(ctx, err)
	r.finish(err)
}

// execute runs the steps in order and returns why it stopped (nil when all are done).
func (r *Runner) execute(ctx context.Context) error {
	start := 0
	if r.opts.StartAt != "" {
		start = -1
		for i, s := range r.plan.Steps {
			if s.ID == r.opts.StartAt {
				start = i
			}
		}
		if start < 0 {
			return fmt.Errorf("no step %q in this %s window: pick one of its steps", r.opts.StartAt, r.plan.Kind)
		}
		for _, s := range r.plan.Steps[:start] {
			if st := r.state(s.ID); st == Done || st == Skipped {
				continue
			}
			r.setState(s.ID, Skipped)
			r.journal(journal.Record{Type: journal.RecStepEnd, Step: s.ID, State: Skipped.String(),
				Error: fmt.Sprintf("skipped: %s started the window at step %q", r.user(), r.opts.StartAt)}, true)
			r.q.push(StepFinished{StepID: s.ID, State: Skipped})
		}
	}
	interrupted := ""
	if r.opts.Resume != nil {
		interrupted = r.opts.Resume.Interrupted
	}
	for _, s := range r.plan.Steps[start:] {
		if err := r.journalErr(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return &CancelledError{StepID: s.ID, Err: ctx.Err()}
		}
		if st := r.state(s.ID); st == Done || st == Skipped {
			continue
		}
		if s.ID == interrupted {
			done, err := r.recheck(ctx, s)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		if r.skipUnneeded(s) {
			continue
		}
		if err := r.runStep(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// skipUnneeded skips s, without asking its gate, when its Unneeded says
// there is nothing for it to do; the reason is journaled and shown.
func (r *Runner) skipUnneeded(s *Step) bool {
	if s.Unneeded == nil {
		return false
	}
	why := s.Unneeded(r.Facts())
	if why == "" {
		return false
	}
	r.setState(s.ID, Skipped)
	r.emit(StepNote{StepID: s.ID, Level: Info, Text: "skipped: " + why}) // journaled and shown
	r.journal(journal.Record{Type: journal.RecStepEnd, Step: s.ID, State: Skipped.String(), Error: "skipped: " + why}, true)
	r.q.push(StepFinished{StepID: s.ID, State: Skipped})
	return true
}

// runStep asks the step's gate, then runs it (with retries, and asking
// again after a failure when AskOnFailure is set).
func (r *Runner) runStep(ctx context.Context, s *Step) error {
	var dec Decision
	if g, reason := r.gateFor(s); g != nil {
		d, err := r.ask(ctx, s, *g, reason)
		if err != nil {
			return err
		}
		if d.Choice == "n" {
			return &DeclinedError{StepID: s.ID, Title: s.Title, Prompt: g.Prompt, By: d.By, Pause: s.PauseOnDecline}
		}
		dec = d
		r.mu.Lock()
		r.confirmed[s.ID] = true
		r.mu.Unlock()
	}
	for {
		err := r.attempts(ctx, s, dec)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &CancelledError{StepID: s.ID, Err: ctx.Err()}
		}
		if errors.Is(err, ErrRolledBack) {
			return err // the step did what it was asked: undo the window
		}
		serr := &StepError{StepID: s.ID, Title: s.Title, Err: err}
		if !r.opts.AskOnFailure {
			return serr
		}
		g := Gate{Kind: GateChoice, Prompt: fmt.Sprintf("%s failed: %v. Retry it?", s.Title, err),
			Detail:  r.detail(s),
			Choices: []Choice{{Key: "r", Label: "Retry the step"}, {Key: "n", Label: "Stop the window here"}},
			Default: "n"}
		d, aerr := r.ask(ctx, s, g, "failed")
		if aerr != nil {
			return aerr
		}
		if d.Choice != "r" {
			return serr
		}
	}
}

// attempts runs a step, retrying a transient failure up to s.Retries times.
func (r *Runner) attempts(ctx context.Context, s *Step, dec Decision) error {
	backoff := r.opts.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	for attempt := 1; ; attempt++ {
		r.setState(s.ID, Running)
		start := r.now()
		r.journal(journal.Record{Type: journal.RecStepStart, At: start, Step: s.ID, Attempt: attempt}, true)
		r.q.push(StepStarted{StepID: s.ID, Attempt: attempt, At: start})
		sc := r.stepContext(s)
		sc.Decision, sc.Attempt = dec, attempt
		err := r.do(ctx, s, sc)
		dur := r.now().Sub(start)
		r.flushProgress(s.ID)
		switch {
		case err == nil:
			r.end(s, Done, nil, dur, journal.Record{})
			return nil
		case errors.Is(err, ErrRolledBack):
			r.end(s, Done, nil, dur, journal.Record{})
			return err
		case ctx.Err() != nil:
			r.end(s, Failed, err, dur, journal.Record{Interrupted: true})
			return err
		case attempt <= s.Retries && IsTransient(err):
			wait := backoff(attempt)
			r.journal(journal.Record{Type: journal.RecStepEnd, Step: s.ID, State: Failed.String(), Error: err.Error(),
				DurationMS: dur.Milliseconds()}, true)
			r.emit(StepNote{StepID: s.ID, Level: Warn, Text: fmt.Sprintf(
				"attempt %d of %d failed on a transient error (%v): retrying in %s", attempt, s.Retries+1, err, wait)})
			if serr := sleepCtx(ctx, wait); serr != nil {
				r.setState(s.ID, Failed)
				r.q.push(StepFinished{StepID: s.ID, State: Failed, Err: serr, Duration: r.now().Sub(start)})
				return serr
			}
		default:
			r.end(s, Failed, err, dur, journal.Record{})
			return err
		}
	}
}

// end journals and reports a step's end; extra carries Interrupted/Rechecked.
func (r *Runner) end(s *Step, state StepState, err error, dur time.Duration, extra journal.Record) {
	r.setState(s.ID, state)
	rec := journal.Record{Type: journal.RecStepEnd, Step: s.ID, State: state.String(), DurationMS: dur.Milliseconds(),
		Interrupted: extra.Interrupted, Rechecked: extra.Rechecked}
	if err != nil {
		rec.Error = err.Error()
	}
	r.journal(rec, true)
	r.q.push(StepFinished{StepID: s.ID, State: state, Err: err, Duration: dur})
}

// do performs a step: its Do, or else its Command on its role. A panic in a
// step fails the step, not porthole.
func (r *Runner) do(ctx context.Context, s *Step, sc *StepContext) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("step %s panicked: %v\n%s", s.ID, p, debug.Stack())
		}
	}()
	if s.Do != nil {
		return s.Do(ctx, sc)
	}
	if s.Command == "" {
		return errors.New("the step has neither a Do nor a Command: this is a bug in the runbook")
	}
	_, err = remote.Check(sc.Exec(ctx, s.Role, remote.Command{Cmd: s.Command, Dir: s.Dir}))
	return err
}

// check runs a step's Check; a panic is an error, not a crash.
func (r *Runner) check(ctx context.Context, s *Step, sc *StepContext) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("checking step %s panicked: %v", s.ID, p)
		}
	}()
	return s.Check(ctx, sc)
}

// stepContext wires a StepContext to this run's variables, events and gates.
func (r *Runner) stepContext(s *Step) *StepContext {
	sc := NewStepContext(r.env, r.plan, s, r.facts, &r.mu, r.emit, func(ctx context.Context, g Gate) (Decision, error) {
		return r.ask(ctx, s, g, "step")
	})
	sc.mu = &r.mu
	sc.Resumed = r.opts.Resume != nil
	return sc
}
