package window_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
)

// sandboxRun runs p to its end, answering each gate with answer (nil: "y"),
// and returns the gates asked and the output lines, by step.
type sandboxRun struct {
	gates  map[string][]runbooks.Gate
	output map[string][]string
	notes  []string
	r      *runbooks.Runner
	err    error
}

func runSandbox(t *testing.T, env *runbooks.Env, p *runbooks.Plan, opts runbooks.RunOptions, answer func(runbooks.GateRequest) string) *sandboxRun {
	t.Helper()
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Backoff == nil {
		opts.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	}
	out := &sandboxRun{gates: map[string][]runbooks.Gate{}, output: map[string][]string{}}
	out.r = runbooks.NewRunner(env, p, j, opts)
	out.r.Start(context.Background())
	for e := range out.r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			out.gates[ev.StepID] = append(out.gates[ev.StepID], ev.Gate)
			choice := "y"
			if answer != nil {
				choice = answer(ev)
			}
			ev.Answer(runbooks.Decision{Choice: choice, By: env.User, At: time.Now()})
		case runbooks.StepOutput:
			out.output[ev.StepID] = append(out.output[ev.StepID], ev.Line.Text)
		case runbooks.StepNote:
			out.notes = append(out.notes, ev.Text)
		case runbooks.RunFinished:
			out.err = ev.Err
		}
	}
	if err := j.Close(); err != nil {
		t.Errorf("closing the journal: %v", err)
	}
	if out.err != nil {
		t.Logf("notes: %q", out.notes)
	}
	return out
}

var synchronizedRe = regexp.MustCompile(`Synchronized (\S+): (.*) \(duration: `)

// TestSandboxExtraCommitEverySyncInItsGate runs the extra-commit scenario
// (the fetch brings a commit pushed straight to the branch) and deploys it
// too: every scap command that ran must have been shown in the gate that
// asked for it, the extra commit's path under an "unexpected commit by
// AUTHOR" SAL text, not under the change's.
func TestSandboxExtraCommitEverySyncInItsGate(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	n := sb.Changes["extra-commit"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatal(err)
	}
	var planned string
	for _, s := range p.Steps {
		if strings.HasPrefix(s.ID, "sync-") && s.Irreversible && s.Gate != nil {
			planned += s.Gate.Detail
		}
	}
	if !strings.Contains(planned, "unexpected commits") {
		t.Errorf("the planned sync gate does not say unexpected commits would be added:\n%s", planned)
	}
	run := runSandbox(t, env, p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.Gate.Kind == runbooks.GateChoice && strings.HasPrefix(g.StepID, "review-") {
			return "a"
		}
		return "y"
	})
	if run.err != nil {
		t.Fatalf("window: %v", run.err)
	}
	php := "php-" + sb.Version
	synced := map[string]string{}
	for step, lines := range run.output {
		if !strings.HasPrefix(step, "sync-") || step == "sync-testservers" {
			continue
		}
		var shown string
		for _, g := range run.gates[step] {
			shown += g.Detail + "\n"
		}
		for _, l := range lines {
			m := synchronizedRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			synced[m[1]] = m[2]
			if !strings.Contains(shown, m[1]) || !strings.Contains(shown, m[2]) {
				t.Errorf("step %s synced %s with %q, which its gate did not show:\n%s", step, m[1], m[2], shown)
			}
		}
	}
	parser, user := php+"/includes/parser/Parser.php", php+"/includes/user/User.php"
	if len(synced) != 2 {
		t.Fatalf("synced %q, want %s and %s", synced, parser, user)
	}
	if msg := synced[parser]; !strings.Contains(msg, "gerrit:"+strconv.Itoa(n)) || strings.Contains(msg, "unexpected") {
		t.Errorf("%s synced with %q", parser, msg)
	}
	if msg := synced[user]; !strings.Contains(msg, "unexpected commit") || !strings.Contains(msg, "Direct Pusher") || strings.Contains(msg, "gerrit:") {
		t.Errorf("%s synced with %q: want the unexpected commit's own text", user, msg)
	}
	got, err := sb.ReadAppServerFile("mw1001", user)
	if err != nil || !strings.Contains(string(got), "$this->mName ?? ''") {
		t.Fatalf("the extra commit is not live on mw1001: %v", err)
	}
}
