package maint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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

// outputKeeper keeps the head and the tail of a run's output for the interpreter.
type outputKeeper struct {
	mu         sync.Mutex
	head, tail []string
	headBytes  int
	tailBytes  int
	dropped    int
}

const (
	keepHead = 16 << 10
	keepTail = 64 << 10
)

func (k *outputKeeper) add(s string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.headBytes < keepHead {
		k.head = append(k.head, s)
		k.headBytes += len(s) + 1
		return
	}
	k.tail = append(k.tail, s)
	k.tailBytes += len(s) + 1
	for k.tailBytes > keepTail && len(k.tail) > 1 {
		k.tailBytes -= len(k.tail[0]) + 1
		k.tail = k.tail[1:]
		k.dropped++
	}
}

func (k *outputKeeper) String() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := strings.Join(k.head, "\n")
	if k.dropped > 0 {
		s += fmt.Sprintf("\n[… %d lines …]", k.dropped)
	}
	if len(k.tail) > 0 {
		s += "\n" + strings.Join(k.tail, "\n")
	}
	return s + "\n"
}

// runDirect runs cmd over the step's connection, streaming and journaling it.
func runDirect(ctx context.Context, sc *runbooks.StepContext, role, cmd string) (remote.Result, string, error) {
	ex, err := sc.Env.Hosts.One(role)
	if err != nil {
		return remote.Result{ExitCode: -1}, "", err
	}
	k := &outputKeeper{}
	res, err := sc.ExecOn(ctx, ex, remote.Command{Cmd: cmd, OnLine: func(l remote.Line) { k.add(l.Text) }})
	return res, k.String(), err
}

// runInTmux runs (or, after a restart, reattaches to) the command in a tmux
// session on the role's host and follows its transcript.
func runInTmux(ctx context.Context, sc *runbooks.StepContext, ls loopSpec, r maintRun) (remote.Result, string, error) {
	mc := sc.Env.MaintConfig()
	dial := func() (remote.Executor, error) { return sc.Env.Hosts.One(ls.Role) }
	ex, err := dial()
	if err != nil {
		return remote.Result{ExitCode: -1}, "", err
	}

	var job *remote.TmuxJob
	if rec := tmuxJobOf(sc, ls.Var, r.Key); rec != "" {
		job, err = remote.DecodeTmuxJob(rec)
		if err != nil {
			return remote.Result{ExitCode: -1}, "", err
		}
		sc.Note(runbooks.Warn, "reattaching to tmux session %s on %s (transcript %s, from byte %d)", job.Session, job.Host, job.Transcript, job.Offset)
	} else {
		planID := ""
		if sc.Plan != nil {
			planID = sc.Plan.ID
			if planID == "" {
				planID = sc.Plan.Kind
			}
		}
		session := remote.TmuxSessionName(planID, sc.Step.ID, r.Key)
		sc.EchoCommand(ex.Host(), r.Cmd)
		job, err = remote.StartTmux(ctx, ex, mc.TmuxSocket, mc.EffectiveTranscriptDir(), session, r.Cmd)
		if err != nil {
			return remote.Result{Host: ex.Host(), Cmd: r.Cmd, ExitCode: -1}, "", err
		}
		setTmuxJob(sc, ls.Var, r.Key, job.Encode())
		sc.Note(runbooks.Info, "running in tmux session %s on %s (watch: %s); transcript %s", job.Session, job.Host, job.AttachHint(), job.Transcript)
	}
	k := &outputKeeper{}
	host := job.Host
	lastSaved := time.Now()
	code, ferr := job.Follow(ctx, dial, remote.FollowOptions{
		Poll:         mc.EffectivePollInterval(),
		ReconnectFor: mc.EffectiveReconnectFor(),
		OnLine: func(l string) {
			k.add(l)
			sc.Output(remote.Line{Host: host, Stream: remote.Stdout, Text: l, Time: sc.Now()})
		},
		OnOffset: func(int64) {
			// Journal how far the output was shown (at most once a second), so
			// that a reattach after a crash shows little twice.
			if time.Since(lastSaved) >= time.Second {
				lastSaved = time.Now()
				setTmuxJob(sc, ls.Var, r.Key, job.Encode())
			}
		},
		OnLost: func(err error) {
			setTmuxJob(sc, ls.Var, r.Key, job.Encode()) // exactly what was shown: a resume goes on from here
			// In a few words: should it not come back, the step's error says it in full.
			sc.Note(runbooks.Warn, "lost the connection to %s (%s); the command goes on in tmux session %s; reattaching…", host, remote.Reason(remote.Result{ExitCode: -1}, err), job.Session)
		},
		OnBack: func() {
			sc.Note(runbooks.Info, "reattached to tmux session %s on %s at byte %d of the transcript", job.Session, host, job.Offset)
		},
	})
	res := remote.Result{Host: host, Cmd: job.Cmd, ExitCode: code, Started: job.Started, Duration: time.Since(job.Started)}
	if ctx.Err() != nil {
		// A deliberate cancel stops the command too: nothing is left running unannounced.
		kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if ex, err := dial(); err == nil {
			if err := job.Kill(kctx, ex); err == nil {
				sc.Note(runbooks.Warn, "cancelled: killed tmux session %s on %s", job.Session, host)
			} else {
				sc.Note(runbooks.Danger, "cancelled, but could not kill tmux session %s on %s: %v — it may still be running (%s)", job.Session, host, err, job.AttachHint())
			}
		} else {
			sc.Note(runbooks.Danger, "cancelled, but %s is unreachable: tmux session %s may still be running there (%s)", host, job.Session, job.AttachHint())
		}
		res.ExitCode = -1
		sc.RecordRun(res, ctx.Err())
		return res, k.String(), ctx.Err()
	}
	setTmuxJob(sc, ls.Var, r.Key, job.Encode())
	sc.RecordRun(res, ferr)
	return res, k.String(), ferr
}
