package runbooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks/journal"
)

func TestRunnerRunsStepsInOrder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	env := testEnv(t, map[string][]string{config.RoleDeploy: {"deploy1"}})
	plan := &Plan{ID: "order", Kind: "test", Title: "order", Steps: []*Step{
		shStep("a", config.RoleDeploy, "echo a >> "+remote.Quote(out)),
		shStep("b", config.RoleLocal, "echo b >> "+remote.Quote(out)),
		{ID: "c", Title: "Step c", Role: config.RoleDeploy, Do: func(ctx context.Context, sc *StepContext) error {
			_, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: "pwd >> " + remote.Quote(out), Dir: dir}))
			return err
		}},
	}}
	j, _ := newJournal(t, plan)
	r := NewRunner(env, plan, j, RunOptions{})
	for id, st := range r.States() {
		if st != Pending {
			t.Fatalf("before start, %s is %s", id, st)
		}
	}
	rr := drive(t, r, nil)
	if rr.err != nil {
		t.Fatalf("run failed: %v", rr.err)
	}
	want := []string{"start:a", "end:a:done", "start:b", "end:b:done", "start:c", "end:c:done", "finished"}
	if got := rr.types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if got := readLines(t, out); !reflect.DeepEqual(got, []string{"a", "b", dir}) {
		t.Fatalf("steps wrote %q", got)
	}
	for id, st := range r.States() {
		if st != Done {
			t.Errorf("after the run, %s is %s", id, st)
		}
	}
	// output lines carry the host they came from
	hosts := map[string]string{}
	for _, e := range rr.events {
		if o, ok := e.(StepOutput); ok && strings.HasPrefix(o.Line.Text, "$ ") {
			hosts[o.StepID] = o.Line.Host
		}
	}
	if hosts["a"] != "deploy1" || hosts["b"] != "local" || hosts["c"] != "deploy1" {
		t.Fatalf("command lines came from %v", hosts)
	}
}

func TestRunnerGates(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	mk := func() *Plan {
		return &Plan{ID: "gates", Kind: "test", Steps: []*Step{
			shStep("prep", config.RoleLocal, "echo prep >> "+remote.Quote(out)),
			{ID: "sync", Title: "Sync", Role: config.RoleLocal, Command: "echo sync >> " + remote.Quote(out),
				Gate: &Gate{Kind: GateConfirm, Prompt: "Sync to the test servers?", Default: "y"}},
			shStep("after", config.RoleLocal, "echo after >> "+remote.Quote(out)),
		}}
	}
	cases := []struct {
		name   string
		answer Decision
		wantBy string
		want   []string
		ok     bool
	}{
		{"yes", Decision{Choice: "y", By: "bob"}, "bob", []string{"prep", "sync", "after"}, true},
		{"no", Decision{Choice: "n", By: "bob"}, "bob", []string{"prep"}, false},
		{"enter takes the default", Decision{}, "alice", []string{"prep", "sync", "after"}, true},
		{"an answer the gate does not offer is no", Decision{Choice: "maybe"}, "alice", []string{"prep"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_ = removeFile(out)
			plan := mk()
			j, _ := newJournal(t, plan)
			r := NewRunner(testEnv(t, nil), plan, j, RunOptions{})
			rr := drive(t, r, func(GateRequest) Decision { return tc.answer })
			if got := readLines(t, out); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ran %v, want %v", got, tc.want)
			}
			if len(rr.gates) != 1 || rr.gates[0].StepID != "sync" || rr.gates[0].Gate.Prompt != "Sync to the test servers?" {
				t.Fatalf("gates %+v", rr.gates)
			}
			if tc.ok != (rr.err == nil) {
				t.Fatalf("run error %v", rr.err)
			}
			if !tc.ok {
				var de *DeclinedError
				if !errors.Is(rr.err, ErrDeclined) || !errors.As(rr.err, &de) || de.StepID != "sync" {
					t.Fatalf("error %v is not a DeclinedError naming sync", rr.err)
				}
				if st := r.States(); st["sync"] != Pending || st["after"] != Pending || st["prep"] != Done {
					t.Fatalf("states after no: %v", st)
				}
			}
			j.Close()
			recs := readRecords(t, j.Path())
			gates := recordsOf(recs, journal.RecGate)
			if len(gates) != 1 || gates[0].Gate.By != tc.wantBy || gates[0].Gate.At.IsZero() || gates[0].Step != "sync" {
				t.Fatalf("journaled gates %+v", gates)
			}
			end := recordsOf(recs, journal.RecWindowEnd)
			wantStatus := journal.StatusOK
			if !tc.ok {
				wantStatus = journal.StatusDeclined
			}
			if len(end) != 1 || end[0].Status != wantStatus {
				t.Fatalf("window-end %+v, want status %s", end, wantStatus)
			}
		})
	}
}

func TestIrreversibleStepsDefaultToNo(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	env := testEnv(t, map[string][]string{config.RoleDeploy: {"deploy1001"}})
	syncCmd := "echo synced >> " + remote.Quote(out)
	for _, g := range []*Gate{
		nil,
		{Kind: GateContinue, Prompt: "Full sync?", Default: "y"},
		{Kind: GateConfirm, Prompt: "Full sync?", Default: "y", Detail: "five hosts"},
		{Kind: GateChoice, Prompt: "Full sync?", Default: "y", Choices: []Choice{{Key: "y", Label: "Sync"}}},
	} {
		name := "nil gate"
		if g != nil {
			name = fmt.Sprintf("gate kind %d default %s", g.Kind, g.Default)
		}
		t.Run(name, func(t *testing.T) {
			_ = removeFile(out)
			plan := &Plan{ID: "irrev", Kind: "test", Steps: []*Step{
				{ID: "sync-file", Title: "Sync to production", Role: config.RoleDeploy, Command: syncCmd,
					Dir: "/srv/mediawiki-staging", Irreversible: true, Gate: g, Undo: "revert and sync again"},
			}}
			plan.Steps[0].Dir = dir
			r := NewRunner(env, plan, nil, RunOptions{})
			rr := drive(t, r, enter)
			if len(rr.gates) != 1 {
				t.Fatalf("%d gates, want 1", len(rr.gates))
			}
			got := rr.gates[0].Gate
			if got.Default != "n" || got.Kind == GateContinue {
				t.Fatalf("irreversible gate %+v does not default to no", got)
			}
			if got.Kind == GateChoice && !hasChoice(got.Choices, "n") {
				t.Fatalf("choice gate without n: %+v", got.Choices)
			}
			if !strings.Contains(got.Detail, syncCmd) || !strings.Contains(got.Detail, "deploy1001") {
				t.Fatalf("gate detail %q lacks the exact command and host", got.Detail)
			}
			if g != nil && g.Detail != "" && !strings.HasPrefix(got.Detail, g.Detail) {
				t.Fatalf("the plan's own detail was lost: %q", got.Detail)
			}
			if !errors.Is(rr.err, ErrDeclined) {
				t.Fatalf("enter on an irreversible step gave %v, want declined", rr.err)
			}
			if lines := readLines(t, out); len(lines) != 0 {
				t.Fatalf("the irreversible step ran on enter: %q", lines)
			}
			if g != nil && g.Default != "y" {
				t.Fatal("the plan's gate was modified in place")
			}
		})
	}
}

func TestCoveredByAsksOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	plan := &Plan{ID: "cover", Kind: "test", Steps: []*Step{
		{ID: "revert", Title: "Revert on deploy", Role: config.RoleLocal, Command: "echo revert >> " + remote.Quote(out),
			Irreversible: true, Gate: &Gate{Kind: GateConfirm, Prompt: "Revert and sync?", Default: "n"}},
		{ID: "sync", Title: "Sync revert", Role: config.RoleLocal, Command: "echo sync >> " + remote.Quote(out),
			Irreversible: true, CoveredBy: "revert"},
		{ID: "push", Title: "Push revert", Role: config.RoleLocal, Command: "echo push >> " + remote.Quote(out),
			Irreversible: true, CoveredBy: "nope"},
	}}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, nil, RunOptions{}), yes)
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	var asked []string
	for _, g := range rr.gates {
		asked = append(asked, g.StepID)
	}
	if !reflect.DeepEqual(asked, []string{"revert", "push"}) {
		t.Fatalf("gates asked before %v, want revert and push (sync is covered by revert's yes)", asked)
	}
	if got := readLines(t, out); !reflect.DeepEqual(got, []string{"revert", "sync", "push"}) {
		t.Fatalf("ran %v", got)
	}
}

func TestStepModePausesBeforeEveryStep(t *testing.T) {
	plan := &Plan{ID: "stepmode", Kind: "test", Steps: []*Step{
		shStep("one", config.RoleLocal, "true"),
		{ID: "two", Title: "Two", Role: config.RoleLocal, Command: "true", Gate: &Gate{Kind: GateConfirm, Prompt: "Two?", Default: "y"}},
		shStep("three", config.RoleLocal, "true"),
	}}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, nil, RunOptions{StepMode: true}), enter)
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	want := []string{"gate:one", "start:one", "end:one:done", "gate:two", "start:two", "end:two:done",
		"gate:three", "start:three", "end:three:done", "finished"}
	if got := rr.types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if rr.gates[0].Gate.Kind != GateContinue || rr.gates[1].Gate.Prompt != "Two?" {
		t.Fatalf("gates %+v", rr.gates)
	}
}

// refusedErr dials a port nothing listens on: a real, transient network error.
func refusedErr(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s succeeded", addr)
	}
	return fmt.Errorf("connecting to deploy1: %w", err)
}

func TestRetriesOnlyTransientErrors(t *testing.T) {
	transient := refusedErr(t)
	var waits []int
	backoff := func(n int) time.Duration { waits = append(waits, n); return 0 }
	cases := []struct {
		name     string
		retries  int
		fails    int // attempts that fail before one succeeds
		err      error
		attempts int
		ok       bool
		waits    []int
	}{
		{"transient then ok", 3, 2, transient, 3, true, []int{1, 2}},
		{"transient beyond retries", 1, 5, transient, 2, false, []int{1}},
		{"no retries", 0, 1, transient, 1, false, nil},
		{"non-zero exit is not retried", 3, 5, &remote.ExitError{Result: remote.Result{Cmd: "git fetch", Host: "deploy1", ExitCode: 128}}, 1, false, nil},
		{"other errors are not retried", 3, 5, errors.New("bad patch"), 1, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			waits = nil
			calls := 0
			plan := &Plan{ID: "retry", Kind: "test", Steps: []*Step{{ID: "fetch", Title: "git fetch", Role: config.RoleLocal, Retries: tc.retries,
				Do: func(ctx context.Context, sc *StepContext) error {
					calls++
					if sc.Attempt != calls {
						t.Errorf("attempt %d told %d", calls, sc.Attempt)
					}
					if calls <= tc.fails {
						return tc.err
					}
					return nil
				}}}}
			j, _ := newJournal(t, plan)
			rr := drive(t, NewRunner(testEnv(t, nil), plan, j, RunOptions{Backoff: backoff}), nil)
			if calls != tc.attempts {
				t.Fatalf("%d attempts, want %d", calls, tc.attempts)
			}
			if tc.ok != (rr.err == nil) {
				t.Fatalf("run error %v", rr.err)
			}
			if !reflect.DeepEqual(waits, tc.waits) {
				t.Fatalf("backoff asked for %v, want %v", waits, tc.waits)
			}
			var se *StepError
			if !tc.ok && (!errors.As(rr.err, &se) || !errors.Is(rr.err, tc.err)) {
				t.Fatalf("error %v does not wrap the step's error", rr.err)
			}
			j.Close()
			recs := readRecords(t, j.Path())
			if n := len(recordsOf(recs, journal.RecStepStart)); n != tc.attempts {
				t.Fatalf("%d step-start records, want one per attempt (%d)", n, tc.attempts)
			}
			if n := len(recordsOf(recs, journal.RecStepEnd)); n != tc.attempts {
				t.Fatalf("%d step-end records, want one per attempt (%d)", n, tc.attempts)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got := DefaultBackoff(i + 1); got != w {
			t.Errorf("DefaultBackoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func TestIsTransient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{refusedErr(t), true},
		{&remote.ConnError{Host: "h", Op: remote.OpLost, Err: errors.New("EOF")}, true},
		{&remote.ConnError{Host: "h", Op: remote.OpDial, Err: errors.New("i/o timeout")}, true},
		{&remote.ConnError{Host: "h", Op: remote.OpAuth, Err: errors.New("no keys")}, false},
		{&remote.ConnError{Host: "h", Op: remote.OpDial, Err: &net.DNSError{Err: "no such host", Name: "deploy1", IsNotFound: true}}, false},
		{fmt.Errorf("dial: %w", &remote.HostKeyError{Host: "h"}), false},
		{fmt.Errorf("reading: %w", errors.New("x")), false},
		{&remote.ExitError{Result: remote.Result{ExitCode: 1}}, false},
		{ctx.Err(), false},
		{fmt.Errorf("attempt: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("session: %w", errLikeEOF), true},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

var errLikeEOF = fmt.Errorf("connection closed: %w", errEOF)

func TestAskOnFailureRetries(t *testing.T) {
	calls := 0
	plan := &Plan{ID: "ask", Kind: "test", Steps: []*Step{{ID: "check", Title: "Check", Role: config.RoleLocal,
		Do: func(ctx context.Context, sc *StepContext) error {
			calls++
			if calls == 1 {
				return errors.New("httpbb: 2 checks failed")
			}
			return nil
		}}}}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, nil, RunOptions{AskOnFailure: true}), func(g GateRequest) Decision {
		if g.Gate.Default != "n" || !hasChoice(g.Gate.Choices, "r") {
			t.Errorf("failure gate %+v", g.Gate)
		}
		return Decision{Choice: "r"}
	})
	if rr.err != nil || calls != 2 || len(rr.gates) != 1 {
		t.Fatalf("err %v, %d calls, %d gates", rr.err, calls, len(rr.gates))
	}
}

func TestCancelStopsTheRunningCommand(t *testing.T) {
	plan := &Plan{ID: "cancel", Kind: "test", Steps: []*Step{
		shStep("long", config.RoleLocal, "echo started; exec sleep 60"),
		shStep("never", config.RoleLocal, "true"),
	}}
	j, dir := newJournal(t, plan)
	r := NewRunner(testEnv(t, nil), plan, j, RunOptions{})
	r.Start(context.Background())
	var rr runResult
	for e := range r.Events() {
		rr.events = append(rr.events, e)
		if o, ok := e.(StepOutput); ok && o.Line.Text == "started" {
			r.Cancel()
		}
		if f, ok := e.(RunFinished); ok {
			rr.err = f.Err
		}
	}
	var ce *CancelledError
	if !errors.As(rr.err, &ce) || ce.StepID != "long" || !errors.Is(rr.err, context.Canceled) {
		t.Fatalf("run ended with %v, want a cancel at step long", rr.err)
	}
	if st := r.States(); st["never"] != Pending {
		t.Fatalf("states %v", st)
	}
	j.Close()
	w, err := journal.LoadWindow(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != journal.StatusCancelled || w.Interrupted != "long" || !w.Step("long").Interrupted {
		t.Fatalf("window %s, interrupted %q", w.Status, w.Interrupted)
	}
	un, err := journal.Unfinished(dir)
	if err != nil || len(un) != 1 || un[0].ID != "cancel" {
		t.Fatalf("journal.Unfinished = %+v, %v", un, err)
	}
}

func TestCancelWhileWaitingAtAGate(t *testing.T) {
	plan := &Plan{ID: "cancelgate", Kind: "test", Steps: []*Step{
		{ID: "sync", Title: "Sync", Role: config.RoleLocal, Command: "true", Irreversible: true},
	}}
	r := NewRunner(testEnv(t, nil), plan, nil, RunOptions{})
	r.Start(context.Background())
	var err error
	for e := range r.Events() {
		switch ev := e.(type) {
		case GateRequest:
			r.Cancel()
		case RunFinished:
			err = ev.Err
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run ended with %v", err)
	}
	if r.States()["sync"] != Pending {
		t.Fatal("the step ran after a cancel at its gate")
	}
}

func TestStartAtSkipsEarlierSteps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	plan := &Plan{ID: "startat", Kind: "test", Steps: []*Step{
		shStep("a", config.RoleLocal, "echo a >> "+remote.Quote(out)),
		shStep("b", config.RoleLocal, "echo b >> "+remote.Quote(out)),
		shStep("c", config.RoleLocal, "echo c >> "+remote.Quote(out)),
	}}
	j, _ := newJournal(t, plan)
	r := NewRunner(testEnv(t, nil), plan, j, RunOptions{StartAt: "b"})
	if rr := drive(t, r, nil); rr.err != nil {
		t.Fatal(rr.err)
	}
	if got := readLines(t, out); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("ran %v", got)
	}
	if st := r.States(); st["a"] != Skipped {
		t.Fatalf("a is %s", st["a"])
	}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, nil, RunOptions{StartAt: "zz"}), nil)
	if rr.err == nil || !strings.Contains(rr.err.Error(), `"zz"`) {
		t.Fatalf("unknown StartAt gave %v", rr.err)
	}
}

func TestFactsFlowBetweenSteps(t *testing.T) {
	plan := &Plan{ID: "vars", Kind: "test", Steps: []*Step{
		{ID: "set", Title: "Set", Role: config.RoleLocal, Do: func(ctx context.Context, sc *StepContext) error {
			sc.Learn(func(f *Facts) { f.Change(7).Commit = "abc123" })
			return nil
		}},
		{ID: "get", Title: "Get", Role: config.RoleLocal, Do: func(ctx context.Context, sc *StepContext) error {
			if got := sc.Facts().Change(7).Commit; got != "abc123" {
				return fmt.Errorf("commit is %q", got)
			}
			return nil
		}},
	}}
	r := NewRunner(testEnv(t, nil), plan, nil, RunOptions{})
	if rr := drive(t, r, nil); rr.err != nil {
		t.Fatal(rr.err)
	}
	if got := r.Facts().Change(7).Commit; got != "abc123" {
		t.Fatalf("facts say commit %q", got)
	}
}

func TestPanickingStepFailsTheStepNotPorthole(t *testing.T) {
	plan := &Plan{ID: "panic", Kind: "test", Steps: []*Step{{ID: "boom", Title: "Boom", Role: config.RoleLocal,
		Do: func(ctx context.Context, sc *StepContext) error { panic("nil map") }}}}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, nil, RunOptions{}), nil)
	if rr.err == nil || !strings.Contains(rr.err.Error(), "panicked: nil map") {
		t.Fatalf("run ended with %v", rr.err)
	}
}

func TestMidStepConfirmIsJournaled(t *testing.T) {
	plan := &Plan{ID: "confirm", Kind: "test", Steps: []*Step{{ID: "review", Title: "Review", Role: config.RoleLocal,
		Do: func(ctx context.Context, sc *StepContext) error {
			d, err := sc.Confirm(ctx, Gate{Kind: GateConfirm, Prompt: "An extra commit came in: deploy it too?", Default: "n"})
			if err != nil {
				return err
			}
			if !d.Yes() {
				return errors.New("extra commit refused")
			}
			return nil
		}}}}
	j, _ := newJournal(t, plan)
	rr := drive(t, NewRunner(testEnv(t, nil), plan, j, RunOptions{}), func(GateRequest) Decision { return Decision{Choice: "y", By: "carol"} })
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	j.Close()
	g := recordsOf(readRecords(t, j.Path()), journal.RecGate)
	if len(g) != 1 || g[0].Gate.By != "carol" || g[0].Gate.Decision != "y" || g[0].Gate.Reason != "step" {
		t.Fatalf("gate records %+v", g)
	}
}

func TestMalformedPlansAreRefused(t *testing.T) {
	for _, steps := range [][]*Step{
		{shStep("a", config.RoleLocal, "true"), shStep("a", config.RoleLocal, "true")},
		{shStep("", config.RoleLocal, "true")},
		{nil},
	} {
		rr := drive(t, NewRunner(testEnv(t, nil), &Plan{ID: "bad", Kind: "test", Steps: steps}, nil, RunOptions{}), nil)
		if rr.err == nil || !strings.Contains(rr.err.Error(), "bug in the runbook") {
			t.Errorf("malformed plan ran: %v", rr.err)
		}
	}
}
