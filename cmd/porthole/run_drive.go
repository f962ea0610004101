package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// drive prints the run's events and answers its gates from the terminal
// (resumed: the window's state before this run, or nil).
func runDrive(ctx context.Context, r *runbooks.Runner, env *runbooks.Env, plan *runbooks.Plan, yesDry bool, resumed *journal.WindowState) error {
	d := newRunDriver(env, plan, yesDry, resumed)
	defer setInterruptAsker(d.prod.question(ctx, d.in, env))()
	var final error
	for e := range r.Events() {
		if f, ok := e.(runbooks.RunFinished); ok {
			final = f.Err
			continue
		}
		d.event(ctx, e)
	}
	journal := ""
	if j := r.Journal(); j != nil {
		journal = " (porthole log show " + j.ID() + ")"
	}
	if final != nil {
		fmt.Fprintf(runOut, "\nporthole run %s stopped%s\n", plan.Kind, journal)
		var ce *runbooks.CancelledError
		if (errors.As(final, &ce) || ctx.Err() != nil) && r.Journal() != nil {
			step := d.atGate
			if ce != nil {
				step = ce.StepID
			}
			return runInterrupted(env, plan, d.index[step], d.stopped[step], d.done, r.Journal().ID())
		}
		return final
	}
	fmt.Fprintf(runOut, "\nporthole run %s: all %d steps done%s\n", plan.Kind, len(plan.Steps), journal)
	return nil
}

// runDriver is what runDrive keeps from one event to the next.
type runDriver struct {
	env      *runbooks.Env
	plan     *runbooks.Plan
	yesDry   bool
	in       *runStdin
	steps    map[string]*runbooks.Step
	index    map[string]int    // step ID → its 1-based position
	done     int               // steps done, this run and before it
	lastProg map[string]string // step ID → the progress last printed
	stopped  map[string]bool   // steps whose command a cancel stopped
	atGate   string            // the step whose gate is being asked
	prod     *prodWatch        // whether a production step runs, for Ctrl-C
}

func newRunDriver(env *runbooks.Env, plan *runbooks.Plan, yesDry bool, resumed *journal.WindowState) *runDriver {
	d := &runDriver{env: env, plan: plan, yesDry: yesDry, in: &runStdin{},
		steps: map[string]*runbooks.Step{}, index: map[string]int{},
		lastProg: map[string]string{}, stopped: map[string]bool{}, prod: &prodWatch{}}
	for i, s := range plan.Steps {
		d.steps[s.ID] = s
		d.index[s.ID] = i + 1
		if resumed != nil && resumed.StepState(s.ID) == runbooks.Done {
			d.done++
		}
	}
	return d
}

// event prints one event of the run, or answers its gate.
func (d *runDriver) event(ctx context.Context, e runbooks.Event) {
	switch ev := e.(type) {
	case runbooks.StepStarted:
		d.atGate = ""
		d.prod.started(d.steps[ev.StepID])
		fmt.Fprintf(runOut, "\n==> [%d/%d] %s\n", d.index[ev.StepID], len(d.plan.Steps), d.steps[ev.StepID].Title)
	case runbooks.StepOutput:
		fmt.Fprintf(runOut, "%s: %s\n", ev.Line.Host, ev.Line.Text)
	case runbooks.StepNote:
		prefix := "--"
		switch ev.Level {
		case runbooks.Warn:
			prefix = "!!"
		case runbooks.Danger:
			prefix = "XX"
		}
		fmt.Fprintf(runOut, "%s %s\n", prefix, ev.Text)
	case runbooks.StepProgress:
		p := ev.Progress
		if p.Total > 1 {
			key := fmt.Sprintf("%d/%d/%d", p.OK, p.Failed, p.InFlight)
			if d.lastProg[ev.StepID] != key {
				d.lastProg[ev.StepID] = key
				fmt.Fprintf(runErr, "%s\n", p.String())
			}
		}
	case runbooks.GateRequest:
		d.atGate = ev.StepID
		d.prod.asking(true)
		d.prod.ask.Lock()
		ans, ok := runAsk(ctx, d.in, ev, d.steps[ev.StepID], d.env, d.yesDry)
		d.prod.ask.Unlock()
		d.prod.asking(false)
		if ok {
			ev.Answer(ans)
		}
	case runbooks.StepFinished:
		d.prod.finished()
		d.finished(ev)
	}
}

// finished prints how a step ended.
func (d *runDriver) finished(ev runbooks.StepFinished) {
	s := d.steps[ev.StepID]
	switch {
	case ev.State == runbooks.Done:
		d.done++
		fmt.Fprintf(runOut, "<== %s: done (%s)\n", s.Title, ev.Duration.Round(time.Millisecond))
	case ev.State == runbooks.Failed && errors.Is(ev.Err, context.Canceled):
		d.stopped[ev.StepID] = true
		fmt.Fprintf(runOut, "<== %s: cancelled: its command was stopped\n", s.Title)
	case ev.State == runbooks.Failed:
		// The failure ends the run: its error, the last line on
		// stderr, says why in full (once, not here as well).
		fmt.Fprintf(runOut, "<== %s: FAILED (why: the last line, below)\n", s.Title)
	case ev.State == runbooks.Skipped:
		fmt.Fprintf(runOut, "<== %s: skipped\n", s.Title)
	}
}

// runInterrupted says, in one line, where an interrupted window stands and
// how to pick it up: during step n (1-based; 0 for between steps), whose
// command was stopped (running) or whose gate was being asked.
func runInterrupted(env *runbooks.Env, plan *runbooks.Plan, n int, running bool, done int, id string) error {
	where := "between steps"
	if n > 0 {
		s := plan.Steps[n-1]
		if running {
			where = fmt.Sprintf("during step %d/%d (%s): its command on %s was stopped and will run again on resume%s", n, len(plan.Steps), s.Title, runHosts(env, s.Role), stoppedProduction(plan, n))
		} else {
			where = fmt.Sprintf("at the question before step %d/%d (%s): it did not run; resume asks again", n, len(plan.Steps), s.Title)
		}
	}
	return interruptedError{msg: fmt.Sprintf("interrupted %s; %d of %d steps done, all journaled; continue with: porthole run --resume %s (porthole log show %s shows the window)",
		where, done, len(plan.Steps), id, id)}
}

// ask puts a gate to the deployer on the terminal. It gives no answer (ok
// false) when ctx is cancelled while it asks: the runner stops the window
// as interrupted, not as declined.
func runAsk(ctx context.Context, in *runStdin, g runbooks.GateRequest, s *runbooks.Step, env *runbooks.Env, yesDry bool) (runbooks.Decision, bool) {
	d := runbooks.Decision{By: env.User, At: time.Now()}
	gate := g.Gate
	fmt.Fprintf(runOut, "\n?? %s\n", gate.Prompt)
	if gate.Detail != "" {
		for _, l := range strings.Split(gate.Detail, "\n") {
			fmt.Fprintf(runOut, "   %s\n", l)
		}
	}
	if yesDry && s != nil && s.DryRun && !s.Irreversible {
		fmt.Fprintln(runOut, "   y (--yes-dry-runs: a dry run changes nothing)")
		d.Choice = "y"
		return d, true
	}
	def, hint := gateHint(&gate)
	for {
		fmt.Fprintf(runOut, "   %s ", hint)
		line, ok := in.next(ctx)
		if ctx.Err() != nil {
			fmt.Fprintln(runOut, "(interrupted)")
			return d, false
		}
		if !ok {
			// No terminal to answer (EOF): the safe answer.
			fmt.Fprintln(runOut, "n (no answer)")
			d.Choice = "n"
			return d, true
		}
		if gate.Kind == runbooks.GateTyped {
			// the runner takes only the exact text; "y" is a no
			d.Choice, d.At = strings.TrimSpace(line), time.Now()
			if d.Choice != gate.Expect {
				fmt.Fprintf(runOut, "   %q is not %s: not going on\n", d.Choice, gate.Expect)
			}
			return d, true
		}
		if a, valid := gateAnswer(&gate, line, def); valid {
			d.Choice, d.At = a, time.Now()
			return d, true
		}
		fmt.Fprintf(runOut, "   %q is not an answer here\n", line)
	}
}

// gateHint is a gate's default answer and the hint that shows the answers.
func gateHint(gate *runbooks.Gate) (def, hint string) {
	def = gate.Default
	switch gate.Kind {
	case runbooks.GateChoice:
		var cs []string
		for _, c := range gate.Choices {
			cs = append(cs, c.Key+"="+c.Label)
		}
		return def, "[" + strings.Join(cs, ", ") + "; default " + def + "]"
	case runbooks.GateContinue:
		if def == "" {
			def = "y"
		}
		return def, "[enter to go on, n to stop]"
	case runbooks.GateTyped:
		return "n", "[type " + gate.Expect + " to go on; anything else stops]"
	}
	if def == "y" {
		return def, "[Y/n]"
	}
	return "n", "[y/N]"
}

// gateAnswer reads a typed line as an answer to gate (empty: def; yes/no
// as y/n); valid is false when it is none of the gate's answers.
func gateAnswer(gate *runbooks.Gate, line, def string) (a string, valid bool) {
	a = strings.ToLower(strings.TrimSpace(line))
	switch a {
	case "":
		a = def
	case "yes":
		a = "y"
	case "no":
		a = "n"
	}
	if gate.Kind != runbooks.GateChoice {
		return a, a == "y" || a == "n"
	}
	for _, c := range gate.Choices {
		if c.Key == a {
			return a, true
		}
	}
	return a, false
}
