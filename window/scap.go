package window

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"porthole/config"
	"porthole/internal/lazyre"
	"porthole/remote"
	"porthole/runbooks"
)

// A production sync must not depend on the deployer's laptop: runScap runs
// scap detached in a tmux session on the deployment host, whose pane is
// scap's terminal (so scap shows its live \r-rewritten progress and asks its
// questions, as in a deployer's terminal), follows its transcript, and
// records the job in the window's facts (Runs, under scapRunKey). If
// porthole dies, scap goes on; the resumed window reattaches to the job, or
// reads the result it recorded, instead of running scap again.

// scapRunPrefix names the runs of scap a step recorded.
func scapRunPrefix(stepID string) string { return "scap:" + stepID }

// scapStarted is true when the step has a scap run recorded (started, maybe finished).
func scapStarted(sc *runbooks.StepContext) bool {
	for k := range sc.Facts().Runs {
		if strings.HasPrefix(k, scapRunPrefix(sc.Step.ID)+"/") {
			return true
		}
	}
	return false
}

var (
	ansiRE       = lazyre.New(`\x1b\[[0-9;]*[A-Za-z]`)
	scapChoiceRE = lazyre.New(`^\[([a-z])\] (.+)$`)
	scapAskRE    = lazyre.New(`\(default: \[([a-z])\]\): *$`)
)

// scapRun is one scap command being followed.
type scapRun struct {
	sc        *runbooks.StepContext
	key       string
	job       *remote.TmuxJob
	dial      func() (remote.Executor, error)
	tail      []string          // the last lines, for the error
	choices   []runbooks.Choice // the menu scap printed last
	inChoices bool
	answered  int64 // the transcript offset at the last answer
	saved     time.Time
	err       error // an answer that could not be sent
}

// runScap runs cmd (a scap command line) in dir on the deployment host as
// described above, under key (unique within the step), and returns its exit
// code and last lines. A run recorded as finished well is not run again; a
// recorded run still going is reattached to.
func runScap(ctx context.Context, sc *runbooks.StepContext, key, dir, cmd string) (int, []string, error) {
	rk := runbooks.RunKey(scapRunPrefix(sc.Step.ID), key)
	rec := sc.Facts().Run(rk)
	if rec.Outcome == "exit 0" {
		sc.Note(runbooks.Info, "%s had already run to the end (recorded in the window): not running it again", key)
		return 0, nil, nil
	}
	r := &scapRun{sc: sc, key: rk, dial: func() (remote.Executor, error) { return sc.Env.Hosts.One(config.RoleDeploy) }}
	ex, err := r.dial()
	if err != nil {
		return -1, nil, err
	}
	if rec.TmuxJob != "" && rec.Outcome == "" {
		if r.job, err = remote.DecodeTmuxJob(rec.TmuxJob); err != nil {
			return -1, nil, err
		}
		sc.Note(runbooks.Warn, "reattaching to scap in tmux session %s on %s (transcript %s, from byte %d)", r.job.Session, r.job.Host, r.job.Transcript, r.job.Offset)
	} else if err := r.start(ctx, ex, dir, cmd); err != nil {
		return -1, nil, err
	}
	mc := sc.Env.MaintConfig()
	code, ferr := r.job.Follow(ctx, r.dial, remote.FollowOptions{
		Poll: min(mc.EffectivePollInterval(), time.Second), ReconnectFor: mc.EffectiveReconnectFor(),
		SplitCR: true, OnLine: r.line, OnPartial: func(p string) { r.partial(ctx, p) }, OnOffset: r.offset,
		OnLost: func(err error) {
			r.save(true)
			sc.Note(runbooks.Warn, "lost the connection to %s (%v); scap goes on in tmux session %s; reattaching…", r.job.Host, err, r.job.Session)
		},
	})
	res := remote.Result{Host: r.job.Host, Cmd: r.job.Cmd, ExitCode: code, Started: r.job.Started, Duration: time.Since(r.job.Started)}
	if ctx.Err() != nil {
		// The deployer stopped it (ctrl+c or q, answered yes): scap stops
		// too. Only a lost connection or a dead porthole leave it running.
		said, ok := r.job.Stop(r.dial)
		if ok {
			sc.Learn(func(f *runbooks.Facts) { f.Run(rk).Outcome = "stopped" })
			sc.Note(runbooks.Danger, "%s: scap was stopped part-way; production may be part old, part new: sync again (resume) or revert", said)
		} else {
			r.save(true)
			sc.Note(runbooks.Danger, "%s", said)
		}
		sc.RecordRun(res, ctx.Err())
		return -1, r.tail, ctx.Err()
	}
	var de *remote.DirError
	if errors.As(ferr, &de) { // ended before scap ran: nothing goes on, nothing to reattach to
		sc.Learn(func(f *runbooks.Facts) { f.Run(rk).Outcome = remote.Reason(res, ferr) })
		sc.RecordRun(res, ferr)
		return -1, r.tail, ferr
	}
	if ferr != nil {
		r.save(true)
		sc.Note(runbooks.Warn, "scap goes on in tmux session %s on %s (watch: %s); resuming the window reattaches to it", r.job.Session, r.job.Host, r.job.AttachHint())
		sc.RecordRun(res, ferr)
		return -1, r.tail, ferr
	}
	sc.Learn(func(f *runbooks.Facts) {
		f.Run(rk).TmuxJob = r.job.Encode()
		f.Run(rk).Outcome = "exit " + strconv.Itoa(code)
	})
	sc.RecordRun(res, nil)
	return code, r.tail, r.err
}

// start starts scap in its tmux session and records the job before following it.
func (r *scapRun) start(ctx context.Context, ex remote.Executor, dir, cmd string) error {
	mc := r.sc.Env.MaintConfig()
	planID := ""
	if r.sc.Plan != nil {
		planID = r.sc.Plan.ID
	}
	c := remote.Command{Cmd: cmd, Dir: dir} // shown as `cd DIR && CMD`; a missing DIR runs nothing
	r.sc.EchoCommand(ex.Host(), c.Script())
	session := remote.TmuxSessionName(planID, r.sc.Step.ID, "scap")
	job, err := remote.StartTmuxTerminal(ctx, ex, mc.TmuxSocket, mc.EffectiveTranscriptDir(), session, c)
	if err != nil {
		if ctx.Err() != nil {
			// stopped while the session was being set up: it may already run scap
			said, _ := (&remote.TmuxJob{Host: ex.Host(), Session: session, Socket: mc.TmuxSocket}).Stop(r.dial)
			r.sc.Note(runbooks.Warn, "%s", said)
		}
		return err
	}
	r.job = job
	r.sc.Learn(func(f *runbooks.Facts) { f.Run(r.key).TmuxJob, f.Run(r.key).Outcome = job.Encode(), "" })
	r.sc.Note(runbooks.Info, "scap runs in tmux session %s on %s, which outlives porthole (watch: %s); transcript %s", job.Session, job.Host, job.AttachHint(), job.Transcript)
	return nil
}

// line handles one line (or \r rewrite) of scap's terminal.
func (r *scapRun) line(l string) {
	l = strings.TrimRight(ansiRE.ReplaceAllString(l, ""), " ")
	if p, ok := ParseScapProgress(l); ok {
		r.sc.Progress(p)
		return
	}
	r.sc.Output(remote.Line{Host: r.job.Host, Stream: remote.Stdout, Text: l, Time: r.sc.Now()})
	if m := scapChoiceRE.FindStringSubmatch(l); m != nil {
		if !r.inChoices {
			r.choices = nil // a new menu
		}
		r.inChoices = true
		r.choices = append(r.choices, runbooks.Choice{Key: m[1], Label: m[2]})
		return
	}
	r.inChoices = false
	if t := strings.TrimSpace(l); t != "" {
		r.tail = append(r.tail, t)
		if len(r.tail) > 3 {
			r.tail = r.tail[1:]
		}
	}
}

// offset records how far the transcript was shown (at most once a second).
func (r *scapRun) offset(int64) { r.save(false) }

func (r *scapRun) save(now bool) {
	if !now && time.Since(r.saved) < time.Second {
		return
	}
	r.saved = time.Now()
	enc := r.job.Encode()
	r.sc.Learn(func(f *runbooks.Facts) { f.Run(r.key).TmuxJob = enc })
}

// partial sees scap waiting at a question (canary checks failed: retry,
// ignore, roll back, exit): it becomes a porthole gate with scap's own
// choices, defaulting to the safe one (roll back), and the answer is typed
// into scap's terminal.
func (r *scapRun) partial(ctx context.Context, p string) {
	p = ansiRE.ReplaceAllString(p, "")
	m := scapAskRE.FindStringSubmatch(p)
	if m == nil || r.answered == r.job.Offset+1 || len(r.choices) == 0 {
		return
	}
	r.answered = r.job.Offset + 1
	def := m[1]
	for _, c := range r.choices {
		if c.Key == "b" {
			def = "b" // roll back: what scap itself does when nobody can answer
		}
	}
	question := strings.TrimSpace(scapAskRE.ReplaceAllString(p, ""))
	g := runbooks.Gate{Kind: runbooks.GateChoice,
		Prompt:  "scap asks: " + question + " (" + strings.Join(r.tail, " / ") + ")",
		Detail:  fmt.Sprintf("scap is waiting in tmux session %s on %s (%s). Your answer is typed into its terminal. scap's own default on enter is [%s]; porthole's is [%s].", r.job.Session, r.job.Host, r.job.AttachHint(), m[1], def),
		Choices: r.choices, Default: def}
	d, err := r.sc.Confirm(ctx, g)
	if err != nil {
		r.err = err
		return
	}
	ans := d.Choice
	if ans == "n" || ans == "" {
		ans = def
	}
	r.sc.Note(runbooks.Warn, "%s answered scap's question %q with [%s]", d.By, question, ans)
	ex, err := r.dial()
	if err == nil {
		err = r.job.SendKeys(ctx, ex, ans)
	}
	if err != nil {
		r.err = fmt.Errorf("could not answer scap in tmux session %s (%v): answer it there: %s", r.job.Session, err, r.job.AttachHint())
		r.sc.Note(runbooks.Danger, "%v", r.err)
	}
}
