package runbooks

import (
	"context"
	"fmt"
	"strings"

	"porthole/config"
	"porthole/runbooks/journal"
)

// Gate reasons, journaled with each gate.
const (
	reasonPlan         = "plan"         // the step's own gate
	reasonIrreversible = "irreversible" // forced: an irreversible step defaults to No
	reasonStepMode     = "step-mode"    // the deployer runs one step at a time
	reasonResume       = "resume"       // the step was running when porthole stopped
)

// gateFor is the gate to ask before s, and why; nil for none. An
// irreversible step always gets a GateConfirm (or GateChoice) defaulting to
// "n" that shows the exact command and hosts, unless CoveredBy names a step
// whose gate was answered yes in this run.
func (r *Runner) gateFor(s *Step) (*Gate, string) {
	base := r.stepGate(s)
	if s.Irreversible {
		r.mu.Lock()
		covered := s.CoveredBy != "" && r.confirmed[s.CoveredBy]
		r.mu.Unlock()
		if !covered {
			g := r.irreversibleGate(s, base)
			return &g, reasonIrreversible
		}
	} else if base != nil {
		g := *base
		return &g, reasonPlan
	}
	if r.opts.StepMode {
		return &Gate{Kind: GateContinue, Prompt: "Run: " + s.Title, Detail: r.detail(s), Default: "y"}, reasonStepMode
	}
	return nil, ""
}

// stepGate is s's own gate as of now: GateFunc's over what the window has
// learned, else Gate.
func (r *Runner) stepGate(s *Step) *Gate {
	if s.GateFunc != nil {
		r.mu.Lock()
		f := r.facts.Copy()
		r.mu.Unlock()
		if g := s.GateFunc(f); g != nil {
			return g
		}
	}
	return s.Gate
}

// irreversibleGate forces s's gate (base) to default to "n" and to show what will run where.
func (r *Runner) irreversibleGate(s *Step, base *Gate) Gate {
	var g Gate
	if base != nil {
		g = *base
		g.Choices = append([]Choice(nil), base.Choices...)
	} else {
		g = Gate{Prompt: s.Title + "? This is production-visible and porthole cannot take it back."}
	}
	if g.Kind == GateContinue {
		g.Kind = GateConfirm
	}
	g.Default = "n"
	if g.Kind == GateChoice && !hasChoice(g.Choices, "n") {
		g.Choices = append(g.Choices, Choice{Key: "n", Label: "No, stop here"})
	}
	d := r.detail(s)
	switch {
	case g.Detail == "":
		g.Detail = d
	case s.Command != "" && s.GateFunc == nil && !strings.Contains(g.Detail, s.Command):
		// (a GateFunc's gate lists the commands it will run itself)
		g.Detail += "\n" + d
	}
	return g
}

func hasChoice(cs []Choice, key string) bool {
	for _, c := range cs {
		if c.Key == key {
			return true
		}
	}
	return false
}

// detail says exactly what s runs and where: "$ cmd\non host (role) in
// dir"; every line of a multi-line command gets its "$ ".
func (r *Runner) detail(s *Step) string {
	var b strings.Builder
	if s.Command != "" {
		for _, l := range strings.Split(strings.TrimRight(s.Command, "\n"), "\n") {
			b.WriteString("$ " + l + "\n")
		}
	}
	b.WriteString("on " + r.where(s.Role))
	if s.Dir != "" {
		b.WriteString(" in " + s.Dir)
	}
	if s.Undo != "" {
		b.WriteString("\nundo: " + s.Undo)
	}
	return b.String()
}

// where names a role's hosts without connecting to them.
func (r *Runner) where(role string) string {
	switch role {
	case "":
		return "this machine"
	case config.RoleGerrit:
		return "Gerrit (REST)"
	}
	var names []string
	if hn, ok := r.env.Hosts.(config.HostNamer); ok {
		names = hn.Names(role)
	}
	switch {
	case len(names) == 0:
		return "the " + role + " host"
	case len(names) == 1:
		return names[0] + " (" + role + ")"
	case len(names) <= 5:
		return fmt.Sprintf("%d %s hosts: %s", len(names), role, strings.Join(names, ", "))
	default:
		return fmt.Sprintf("%d %s hosts: %s, … %s", len(names), role, strings.Join(names[:3], ", "), names[len(names)-1])
	}
}

// ask emits a GateRequest, waits for its answer (or ctx), normalises it and journals it.
func (r *Runner) ask(ctx context.Context, s *Step, g Gate, reason string) (Decision, error) {
	if err := r.journalErr(); err != nil {
		return Decision{}, err
	}
	reply := make(chan Decision, 1)
	r.q.push(GateRequest{StepID: s.ID, Gate: g, Reply: reply})
	var d Decision
	select {
	case d = <-reply:
	case <-ctx.Done():
		return Decision{}, &CancelledError{StepID: s.ID, Err: ctx.Err()}
	}
	d, invalid := r.normalise(d, g)
	switch {
	case invalid != "" && g.Kind == GateTyped:
		r.emit(StepNote{StepID: s.ID, Level: Warn, Text: fmt.Sprintf("answer %q is not %s: taken as no (type %s itself to go on)", invalid, g.Expect, g.Expect)})
	case invalid != "":
		r.emit(StepNote{StepID: s.ID, Level: Warn, Text: fmt.Sprintf("answer %q is not one of the gate's choices: taken as no", invalid)})
	}
	r.journal(journal.Record{Type: journal.RecGate, At: d.At, Step: s.ID, Gate: &journal.GateRecord{
		Kind: journal.GateKind.Name(g.Kind), Prompt: g.Prompt, Detail: g.Detail, Default: g.Default, Choices: g.Choices,
		Decision: d.Choice, By: d.By, At: d.At, Reason: reason}}, true)
	if err := r.journalErr(); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// normalise fills in the default on enter, who and when, and turns an
// answer the gate does not offer into "n" (returned as invalid). A typed
// gate's answer is "y" only when it is exactly the expected text.
func (r *Runner) normalise(d Decision, g Gate) (Decision, string) {
	if g.Kind == GateTyped {
		typed := strings.TrimSpace(d.Choice)
		switch {
		case g.Expect != "" && typed == g.Expect:
			d.Choice = "y"
		case typed == "" || typed == "n":
			d.Choice = "n"
		default:
			d.Choice = "!" + typed // not valid below: taken as no and reported
		}
	}
	if d.Choice == "" {
		d.Choice = g.Default
	}
	if d.Choice == "" {
		if g.Kind == GateContinue {
			d.Choice = "y"
		} else {
			d.Choice = "n"
		}
	}
	if d.By == "" {
		d.By = r.user()
	}
	if d.At.IsZero() {
		d.At = r.now()
	}
	valid := d.Choice == "y" || d.Choice == "n"
	if g.Kind == GateChoice {
		valid = d.Choice == "n" || hasChoice(g.Choices, d.Choice)
	}
	if !valid {
		bad := strings.TrimPrefix(d.Choice, "!")
		d.Choice = "n"
		return d, bad
	}
	return d, ""
}

// recheck decides what to do with the step that was running when porthole
// stopped: its Check says whether it completed; without a Check (or when the
// check fails) the deployer is asked, and the default is to stop. It reports
// whether the step is now done.
func (r *Runner) recheck(ctx context.Context, s *Step) (bool, error) {
	if s.Check != nil {
		r.emit(StepNote{StepID: s.ID, Level: Info, Text: fmt.Sprintf(
			"%s was running when porthole stopped: checking whether it completed", s.Title)})
		sc := r.stepContext(s)
		if r.opts.Resume != nil {
			sc.Prior = r.opts.Resume.Step(s.ID)
		}
		start := r.now()
		ok, err := r.check(ctx, s, sc)
		if ctx.Err() != nil {
			return false, &CancelledError{StepID: s.ID, Err: ctx.Err()}
		}
		switch {
		case err == nil && ok:
			r.emit(StepNote{StepID: s.ID, Level: Info, Text: s.Title + " had completed: not running it again"})
			r.end(s, Done, nil, r.now().Sub(start), journal.Record{Rechecked: true})
			return true, nil
		case err == nil:
			r.emit(StepNote{StepID: s.ID, Level: Warn, Text: s.Title + " had not completed: it runs again"})
			return false, nil
		default:
			r.emit(StepNote{StepID: s.ID, Level: Warn, Text: fmt.Sprintf("cannot tell whether %s completed: %v", s.Title, err)})
		}
	}
	g := Gate{Kind: GateChoice,
		Prompt: fmt.Sprintf("Step %s (%s) was running when porthole stopped: re-run it?", s.ID, s.Title),
		Detail: "porthole cannot tell whether it completed; look before you answer.\n" + r.detail(s),
		Choices: []Choice{
			{Key: "y", Label: "Re-run it"},
			{Key: "d", Label: "It completed: mark it done and go on"},
			{Key: "n", Label: "Stop here"},
		},
		Default: "n"}
	d, err := r.ask(ctx, s, g, reasonResume)
	if err != nil {
		return false, err
	}
	switch d.Choice {
	case "y":
		return false, nil
	case "d":
		r.emit(StepNote{StepID: s.ID, Level: Info, Text: fmt.Sprintf("%s marked %s done without re-running it", d.By, s.ID)})
		r.end(s, Done, nil, 0, journal.Record{Rechecked: true})
		return true, nil
	default:
		return false, &DeclinedError{StepID: s.ID, Title: s.Title, Prompt: g.Prompt, By: d.By}
	}
}
