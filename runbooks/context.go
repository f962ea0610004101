package runbooks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"porthole/remote"
	"porthole/runbooks/journal"
)

// CommandRun: a command finished on a host (journaled with its exit and duration).
type CommandRun struct {
	StepID string
	Result remote.Result
	Err    error
}

func (CommandRun) isEvent() {}

// StepContext is what a running step sees: its environment, the window's
// variables, and ways to report output, progress and notes, and to ask.
type StepContext struct {
	Env  *Env
	Plan *Plan
	Step *Step
	// Decision is the answer to the gate asked before this step (zero when none was asked).
	Decision Decision
	// Attempt counts this step's attempts from 1 (a transient error retries it).
	Attempt int
	// Resumed is true when porthole picked the window up again after it stopped.
	Resumed bool
	// Prior is, while a resume checks the step that was running when
	// porthole stopped, what the journal holds of it (its commands with
	// their exit codes, its output); nil otherwise.
	Prior *journal.StepLog

	emit    func(Event)
	confirm func(ctx context.Context, g Gate) (Decision, error)
	mu      *sync.Mutex
	facts   *Facts
}

// NewStepContext wires a StepContext; the Runner calls it, and tests may.
// emit receives every event the step reports; confirm answers gates.
// facts is the window's, shared with the runner under mu (nil for none).
func NewStepContext(env *Env, plan *Plan, step *Step, facts *Facts, mu *sync.Mutex,
	emit func(Event), confirm func(context.Context, Gate) (Decision, error)) *StepContext {
	if facts == nil {
		facts = &Facts{}
	}
	if mu == nil {
		mu = &sync.Mutex{}
	}
	return &StepContext{Env: env, Plan: plan, Step: step, facts: facts, mu: mu, emit: emit, confirm: confirm}
}

// Now is the environment's clock.
func (sc *StepContext) Now() time.Time {
	if sc.Env != nil && sc.Env.Now != nil {
		return sc.Env.Now()
	}
	return time.Now()
}

// Facts is a copy of what the window has learned so far (journaled, survives resume).
func (sc *StepContext) Facts() *Facts {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.facts.Copy()
}

// Learn changes the window's facts with f; the runner journals the result.
func (sc *StepContext) Learn(f func(*Facts)) {
	sc.mu.Lock()
	f(sc.facts)
	snap := sc.facts.Copy()
	sc.mu.Unlock()
	sc.emit(FactsLearned{StepID: sc.Step.ID, Facts: snap})
}

// Output reports one line of output.
func (sc *StepContext) Output(l remote.Line) { sc.emit(StepOutput{StepID: sc.Step.ID, Line: l}) }

// Progress reports a fan-out or scap progress value.
func (sc *StepContext) Progress(p remote.Progress) {
	sc.emit(StepProgress{StepID: sc.Step.ID, Progress: p})
}

// Note reports a finding or a status line.
func (sc *StepContext) Note(level Level, format string, args ...any) {
	sc.emit(StepNote{StepID: sc.Step.ID, Level: level, Text: fmt.Sprintf(format, args...)})
}

// Confirm asks the deployer mid-step (e.g. an extra commit came in) and waits.
func (sc *StepContext) Confirm(ctx context.Context, g Gate) (Decision, error) {
	return sc.confirm(ctx, g)
}

// Exec runs cmd on the one host of role, streaming its lines as StepOutput
// (and to cmd.OnLine, if set) and journaling the command and its exit.
func (sc *StepContext) Exec(ctx context.Context, role string, cmd remote.Command) (remote.Result, error) {
	ex, err := sc.Env.Hosts.One(role)
	if err != nil {
		return remote.Result{ExitCode: -1}, err
	}
	return sc.ExecOn(ctx, ex, cmd)
}

// ExecOn is Exec on a given executor.
func (sc *StepContext) ExecOn(ctx context.Context, ex remote.Executor, cmd remote.Command) (remote.Result, error) {
	user := cmd.OnLine
	cmd.OnLine = func(l remote.Line) {
		sc.Output(l)
		if user != nil {
			user(l)
		}
	}
	sc.emit(StepOutput{StepID: sc.Step.ID, Line: remote.Line{Host: ex.Host(), Stream: remote.Stdout, Text: "$ " + cmd.Script(), Time: sc.Now()}})
	r, err := ex.Run(ctx, cmd)
	sc.emit(CommandRun{StepID: sc.Step.ID, Result: r, Err: err})
	return r, err
}

// ExecCapture runs cmd on the host of role and keeps its whole output in the
// Result instead of streaming it (for `git log -p`, which can be huge); the
// command and its exit are journaled all the same.
func (sc *StepContext) ExecCapture(ctx context.Context, role string, cmd remote.Command) (remote.Result, error) {
	ex, err := sc.Env.Hosts.One(role)
	if err != nil {
		return remote.Result{ExitCode: -1}, err
	}
	cmd.Keep = true
	sc.emit(StepOutput{StepID: sc.Step.ID, Line: remote.Line{Host: ex.Host(), Stream: remote.Stdout, Text: "$ " + cmd.Script(), Time: sc.Now()}})
	r, err := ex.Run(ctx, cmd)
	sc.emit(CommandRun{StepID: sc.Step.ID, Result: r, Err: err})
	return r, err
}

// ExecAll fans cmd out over every host of role with progress, and returns per-host results.
func (sc *StepContext) ExecAll(ctx context.Context, role string, cmd remote.Command, opts remote.FanOutOptions) ([]remote.HostResult, error) {
	execs, err := sc.Env.Hosts.All(role)
	if err != nil {
		return nil, err
	}
	user := cmd.OnLine
	cmd.OnLine = func(l remote.Line) {
		sc.Output(l)
		if user != nil {
			user(l)
		}
	}
	userProg := opts.OnProgress
	opts.OnProgress = func(p remote.Progress) {
		sc.Progress(p)
		if userProg != nil {
			userProg(p)
		}
	}
	if opts.Concurrency == 0 && sc.Env.Config != nil {
		opts.Concurrency = sc.Env.Config.Concurrency
	}
	res := remote.FanOut(ctx, execs, cmd, opts)
	for _, hr := range res {
		if !hr.Skipped {
			sc.emit(CommandRun{StepID: sc.Step.ID, Result: hr.Result, Err: hr.Err})
		}
	}
	return res, ctx.Err()
}

// EchoCommand shows "$ script" in the step's output as run on host, as Exec does
// before it runs a command (for steps that start commands themselves).
func (sc *StepContext) EchoCommand(host, script string) {
	sc.emit(StepOutput{StepID: sc.Step.ID, Line: remote.Line{Host: host, Stream: remote.Stdout, Text: "$ " + script, Time: sc.Now()}})
}

// RecordRun journals a command the step ran itself, with its exit and error.
func (sc *StepContext) RecordRun(r remote.Result, err error) {
	sc.emit(CommandRun{StepID: sc.Step.ID, Result: r, Err: err})
}
