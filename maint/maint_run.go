package maint

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"porthole/remote"
	"porthole/runbooks"
)

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
		if said, ok := job.Stop(dial); ok {
			sc.Note(runbooks.Warn, "%s", said)
		} else {
			sc.Note(runbooks.Danger, "%s", said)
		}
		res.ExitCode = -1
		sc.RecordRun(res, ctx.Err())
		return res, k.String(), ctx.Err()
	}
	setTmuxJob(sc, ls.Var, r.Key, job.Encode())
	sc.RecordRun(res, ferr)
	return res, k.String(), ferr
}
