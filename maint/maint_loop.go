package maint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"porthole/remote"
	"porthole/runbooks"
)

// maintRun is one command of a maintenance step: one wiki's run, or the
// step's only run (Key "all").
type maintRun struct {
	Key string // the wiki, or "all"
	Cmd string // the exact command line
}

// loopSpec says how a maintenance step runs its commands.
type loopSpec struct {
	Name          string // progress name: "namespaceDupes --fix"
	Role          string // host role
	Var           string // window variables: <Var>:<key> = outcome, tmux:<Var>:<key> = job
	Tmux          bool
	StopOnFailure bool
	// Tolerate: with on_failure=continue, a dry run that failed for some
	// wikis (but not all) does not fail the step; the next step skips them.
	Tolerate  bool
	Interpret Interpreter
	// RequireDry names the dry-run step that must have run (in this window)
	// for every key before this irreversible step runs any; keys whose dry
	// run failed, or found nothing to do, are skipped.
	RequireDry string
}

// Outcome states as the window variables record them.
const (
	stateOK      = "ok"
	stateNothing = "nothing-to-do"
	stateFailed  = "failed"
	stateSkipped = "skipped"
)

// outcomeOf is the recorded outcome of a run ("state: summary"), "" for none.
func outcomeOf(sc *runbooks.StepContext, prefix, key string) string {
	return sc.Facts().Run(runbooks.RunKey(prefix, key)).Outcome
}

func setOutcome(sc *runbooks.StepContext, prefix, key, v string) {
	sc.Learn(func(f *runbooks.Facts) { f.Run(runbooks.RunKey(prefix, key)).Outcome = v })
}

// tmuxJobOf is the encoded tmux job of a run still followed, "" for none.
func tmuxJobOf(sc *runbooks.StepContext, prefix, key string) string {
	return sc.Facts().Run(runbooks.RunKey(prefix, key)).TmuxJob
}

func setTmuxJob(sc *runbooks.StepContext, prefix, key, v string) {
	sc.Learn(func(f *runbooks.Facts) { f.Run(runbooks.RunKey(prefix, key)).TmuxJob = v })
}

// recordState reads a recorded outcome: "ok: 2 pages to fix" → ("ok", "2 pages to fix").
func recordState(v string) (string, string) {
	st, sum, _ := strings.Cut(v, ": ")
	return st, sum
}

// loopDone tells whether every run of a step succeeded in this window (the
// step's Check on resume): then it need not run again.
func loopDone(sc *runbooks.StepContext, prefix string, runs []maintRun) bool {
	for _, r := range runs {
		st, _ := recordState(outcomeOf(sc, prefix, r.Key))
		if st != stateOK && st != stateNothing {
			return false
		}
	}
	return true
}

// loop is a runLoop under way: its progress and what each run came to.
type loop struct {
	sc       *runbooks.StepContext
	ls       loopSpec
	prog     remote.Progress
	okKeys   []string
	nothing  []string
	skipped  []string
	failures []string
}

// runLoop runs each command in turn on the role's host (in tmux when asked),
// reads each with the interpreter, records each outcome in the window's facts
// (so a resumed step skips what is done), reports per-wiki progress, stops at
// the first failure or goes on, and ends with a summary. A failure is said
// once in full: a step of one run returns it as the step's error (no note);
// a step of many notes each wiki's failure as it happens, and the summary is
// the step's error when the step fails, else a note.
func runLoop(ctx context.Context, sc *runbooks.StepContext, runs []maintRun, ls loopSpec) error {
	if err := requireDryRuns(sc, runs, ls); err != nil {
		return err
	}
	l := &loop{sc: sc, ls: ls, prog: remote.Progress{Name: ls.Name, Total: len(runs)}}
	sc.Progress(l.prog)
	for i, r := range runs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if l.doneBefore(r) || l.skipWithoutDry(r) {
			continue
		}
		if len(runs) > 1 {
			sc.Note(runbooks.Info, "----- %s (%d/%d) -----", r.Key, i+1, len(runs))
		}
		oc, err := l.run(ctx, r)
		if err != nil {
			return err
		}
		if err := l.record(r, oc, len(runs) == 1); err != nil {
			return err
		}
		if !oc.OK && ls.StopOnFailure && i < len(runs)-1 {
			l.stopAfter(runs[i+1:])
			break
		}
	}
	return l.finish(len(runs))
}

// requireDryRuns refuses an irreversible loop whose dry run has not run in this window.
func requireDryRuns(sc *runbooks.StepContext, runs []maintRun, ls loopSpec) error {
	if ls.RequireDry == "" {
		return nil
	}
	var missing []string
	for _, r := range runs {
		if outcomeOf(sc, ls.RequireDry, r.Key) == "" && outcomeOf(sc, ls.RequireDry, "all") == "" {
			missing = append(missing, r.Key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the dry run (step %s) has not run in this window for %s: run it first; porthole does not run an irreversible step without its dry run",
			ls.RequireDry, strings.Join(missing, ", "))
	}
	return nil
}

// doneBefore keeps what succeeded earlier in this window (the step is
// resumed); what failed or was skipped runs again.
func (l *loop) doneBefore(r maintRun) bool {
	v := outcomeOf(l.sc, l.ls.Var, r.Key)
	if v == "" {
		return false
	}
	st, _ := recordState(v)
	if st == stateOK || st == stateNothing {
		l.prog.OK++
		if st == stateOK {
			l.okKeys = append(l.okKeys, r.Key)
		} else {
			l.nothing = append(l.nothing, r.Key)
		}
		l.sc.Note(runbooks.Info, "%s: already done in this window (%s)", r.Key, v)
		l.sc.Progress(l.prog)
		return true
	}
	if tmuxJobOf(l.sc, l.ls.Var, r.Key) != "" {
		setTmuxJob(l.sc, l.ls.Var, r.Key, "") // that job finished: start a new one
	}
	return false
}

// skipWithoutDry skips a run whose dry run said there is nothing to do, or failed.
func (l *loop) skipWithoutDry(r maintRun) bool {
	if l.ls.RequireDry == "" {
		return false
	}
	skip, why := skipUnlessDry(l.sc, l.ls.RequireDry, r.Key)
	if !skip {
		return false
	}
	setOutcome(l.sc, l.ls.Var, r.Key, stateSkipped+": "+why)
	l.sc.Note(runbooks.Warn, "%s: skipped: %s", r.Key, why)
	l.skipped = append(l.skipped, r.Key)
	l.prog.OK++
	l.sc.Progress(l.prog)
	return true
}

// run runs one command (in tmux or directly) and interprets what it printed.
// An error ends the loop: porthole was stopped, or the host was lost while
// the command may still be running (a retry reattaches).
func (l *loop) run(ctx context.Context, r maintRun) (Outcome, error) {
	l.prog.InFlight = 1
	l.sc.Progress(l.prog)
	var res remote.Result
	var out string
	var err error
	if l.ls.Tmux {
		res, out, err = runInTmux(ctx, l.sc, l.ls, r)
	} else {
		res, out, err = runDirect(ctx, l.sc, l.ls.Role, r.Cmd)
	}
	l.prog.InFlight = 0
	if ctx.Err() != nil {
		l.sc.Progress(l.prog)
		return Outcome{}, ctx.Err()
	}
	if errors.Is(err, remote.ErrHostLost) {
		l.sc.Progress(l.prog)
		return Outcome{}, err
	}
	if err != nil {
		return Outcome{Summary: err.Error()}, nil
	}
	return l.ls.Interpret(res, out), nil
}

// record journals a run's outcome and notes it; the failure of a loop's only
// run is the step's error (every view shows that).
func (l *loop) record(r maintRun, oc Outcome, only bool) error {
	st := stateOK
	switch {
	case !oc.OK:
		st = stateFailed
		l.prog.Failed++
		l.failures = append(l.failures, r.Key+" ("+oc.Summary+")")
		if only {
			setOutcome(l.sc, l.ls.Var, r.Key, st+": "+oc.Summary)
			l.sc.Progress(l.prog)
			if r.Key == "all" {
				return errors.New(oc.Summary)
			}
			return fmt.Errorf("%s: %s", r.Key, oc.Summary)
		}
		l.sc.Note(runbooks.Danger, "%s: FAILED: %s", r.Key, oc.Summary)
	case oc.NothingToDo:
		st = stateNothing
		l.prog.OK++
		l.nothing = append(l.nothing, r.Key)
		l.sc.Note(runbooks.Info, "%s: %s", r.Key, oc.Summary)
	default:
		l.prog.OK++
		l.okKeys = append(l.okKeys, r.Key)
		if oc.Summary != "" {
			l.sc.Note(runbooks.Info, "%s: %s", r.Key, oc.Summary)
		}
	}
	setOutcome(l.sc, l.ls.Var, r.Key, st+": "+oc.Summary)
	l.sc.Progress(l.prog)
	return nil
}

// stopAfter notes the runs not run after a failure with on_failure=stop.
func (l *loop) stopAfter(rest []maintRun) {
	keys := make([]string, 0, len(rest))
	for _, x := range rest {
		keys = append(keys, x.Key)
	}
	l.sc.Note(runbooks.Warn, "stopped at the first failure (on_failure=stop); not run: %s", strings.Join(keys, ", "))
	l.failures = append(l.failures, fmt.Sprintf("%d not run", len(keys)))
}

// finish says how the loop went; it fails unless failures are tolerated and something worked.
func (l *loop) finish(runs int) error {
	summary := tally(len(l.okKeys), l.nothing, l.skipped, l.failures)
	fails := len(l.failures) > 0 && !(l.ls.Tolerate && len(l.okKeys)+len(l.nothing) > 0)
	switch {
	case fails:
		return fmt.Errorf("%s: %s", l.ls.Name, summary)
	case len(l.failures) > 0:
		l.sc.Note(runbooks.Warn, "%s: %s", l.ls.Name, summary)
	case runs > 1:
		l.sc.Note(runbooks.Info, "%s: %s", l.ls.Name, summary)
	}
	return nil
}

// tally is the one-line summary: "3 ok, 1 failed: frwiki (exit 1)".
func tally(ok int, nothing, skipped, failures []string) string {
	parts := []string{fmt.Sprintf("%d ok", ok)}
	if len(nothing) > 0 {
		parts = append(parts, fmt.Sprintf("%d with nothing to do (%s)", len(nothing), strings.Join(nothing, ", ")))
	}
	if len(skipped) > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (%s)", len(skipped), strings.Join(skipped, ", ")))
	}
	s := strings.Join(parts, ", ")
	if n := countFailed(failures); n > 0 {
		s += fmt.Sprintf(", %d failed: %s", n, strings.Join(failures, ", "))
	}
	return s
}

func countFailed(f []string) int {
	n := 0
	for _, x := range f {
		if !strings.HasSuffix(x, " not run") {
			n++
		}
	}
	return n
}
