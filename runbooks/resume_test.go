package runbooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks/journal"
)

// The crash test runs a window in a child process (this test binary, re-executed),
// kills it with SIGKILL while a step runs, and resumes the window here.

const (
	crashHelperEnv = "PORTHOLE_CRASH_HELPER" // the window's directory; set only in the child
	crashAtEnv     = "PORTHOLE_CRASH_AT"     // where the child stops and waits to be killed
	crashKind      = "crashtest"
	crashWindow    = "20260102-030405-crashtest"
)

func init() { Register(crashKind, crashPlan) }

// crashPlan is a window whose steps append to <dir>/log, so that a step run
// twice shows twice. s2 and s4 can be stopped in (see crashAt); s2 has a
// Check, s4 has none.
func crashPlan(_ context.Context, env *Env, p map[string]string) (*Plan, error) {
	dir := p["dir"]
	log := remote.Quote(filepath.Join(dir, "log"))
	appendLine := func(ctx context.Context, sc *StepContext, line string) error {
		_, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: "echo " + remote.Quote(line) + " >> " + log}))
		return err
	}
	hasLine := func(line string) bool {
		b, _ := os.ReadFile(filepath.Join(dir, "log"))
		for _, l := range strings.Split(string(b), "\n") {
			if l == line {
				return true
			}
		}
		return false
	}
	return &Plan{Kind: crashKind, Title: "crash test window", Params: p, Steps: []*Step{
		{ID: "s1", Title: "First", Role: config.RoleDeploy, Do: func(ctx context.Context, sc *StepContext) error {
			sc.Learn(func(f *Facts) { f.SAL = "from-s1" })
			return appendLine(ctx, sc, "s1")
		}},
		{ID: "s2", Title: "Second", Role: config.RoleDeploy,
			Do: func(ctx context.Context, sc *StepContext) error {
				crashAt(ctx, "s2-before")
				if err := appendLine(ctx, sc, "s2"); err != nil {
					return err
				}
				crashAt(ctx, "s2-after")
				return nil
			},
			Check: func(ctx context.Context, sc *StepContext) (bool, error) {
				if err := appendLine(ctx, sc, "check-s2"); err != nil {
					return false, err
				}
				return hasLine("s2"), nil
			}},
		{ID: "s3", Title: "Third", Role: config.RoleDeploy, Do: func(ctx context.Context, sc *StepContext) error {
			return appendLine(ctx, sc, "s3 "+sc.Facts().SAL)
		}},
		{ID: "s4", Title: "Fourth", Role: config.RoleDeploy, Do: func(ctx context.Context, sc *StepContext) error {
			crashAt(ctx, "s4-before")
			return appendLine(ctx, sc, "s4")
		}},
		{ID: "s5", Title: "Sync", Role: config.RoleDeploy, Irreversible: true, Command: "echo s5 >> " + log},
	}}, nil
}

// crashAt, in the child, tells the parent it reached point (by opening the
// FIFO <dir>/reached) and waits to be killed.
func crashAt(ctx context.Context, point string) {
	dir := os.Getenv(crashHelperEnv)
	if dir == "" || os.Getenv(crashAtEnv) != point {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, "reached"), os.O_WRONLY, 0)
	if err == nil {
		f.Write([]byte(point))
		f.Close()
	}
	<-ctx.Done() // never: the parent kills us
}

func crashEnv(dir string) *Env {
	cfg := config.DefaultConfig()
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.Hosts[config.RoleDeploy] = []string{"deploy1"}
	return &Env{Config: cfg, User: "alice",
		Hosts: config.NewHosts(cfg, func(h string) (remote.Executor, error) { return &remote.Local{Name: h}, nil })}
}

// TestCrashHelper is the child process; it does nothing in a normal test run.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashHelperEnv)
	if dir == "" {
		t.Skip("the child process of TestResumeAfterKill")
	}
	env := crashEnv(dir)
	ctx := context.Background()
	plan, err := Build(ctx, env, crashKind, map[string]string{"dir": dir})
	if err != nil {
		t.Fatal(err)
	}
	plan.ID = crashWindow
	j, err := OpenJournal(env.Config.StateDir, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(env, plan, j, RunOptions{})
	r.Start(ctx)
	for e := range r.Events() {
		if g, ok := e.(GateRequest); ok {
			g.Answer(Decision{Choice: "y", By: "alice"})
		}
	}
	t.Fatal("the child finished its window: it should have been killed")
}

// runAndKill runs the window in a child process until it reaches point, then kills it with SIGKILL.
func runAndKill(t *testing.T, dir, point string) {
	t.Helper()
	fifo := filepath.Join(dir, "reached")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+dir, crashAtEnv+"="+point)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		exited <- err
		// if the child died before reaching point, unblock our open of the FIFO
		if f, ferr := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); ferr == nil {
			f.Close()
		}
	}()
	f, err := os.Open(fifo) // blocks until the child opens it for writing
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := f.Read(b)
	f.Close()
	if string(b[:n]) != point {
		t.Fatalf("the child did not reach %s (it said %q):\n%s", point, b[:n], out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed by SIGKILL: %v\n%s", err, out.String())
	}
}

// resumeWindow loads the killed window's journal, resumes it and runs it to the end.
func resumeWindow(t *testing.T, dir string, answer func(GateRequest) Decision) (*journal.WindowState, runResult) {
	t.Helper()
	env := crashEnv(dir)
	path := filepath.Join(journal.WindowsDir(env.Config.StateDir), crashWindow+".jsonl")
	state, err := journal.LoadWindow(path)
	if err != nil {
		t.Fatal(err)
	}
	un, err := journal.Unfinished(env.Config.StateDir)
	if err != nil || len(un) != 1 || un[0].ID != crashWindow {
		t.Fatalf("journal.Unfinished after the kill: %+v, %v", un, err)
	}
	plan, opts, err := Resume(context.Background(), env, state)
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(env.Config.StateDir, plan)
	if err != nil {
		t.Fatal(err)
	}
	rr := drive(t, NewRunner(env, plan, j, opts), answer)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return state, rr
}

func crashYes(GateRequest) Decision { return Decision{Choice: "y", By: "bob"} }

func TestResumeAfterKill(t *testing.T) {
	t.Run("killed after the running step's effect: re-checked, not re-run", func(t *testing.T) {
		dir := t.TempDir()
		runAndKill(t, dir, "s2-after")
		before, rr := resumeWindow(t, dir, crashYes)
		if before.Status != journal.StatusUnfinished || before.Interrupted != "s2" || before.StepState("s1") != Done ||
			before.Facts.SAL != "from-s1" {
			t.Fatalf("journal after the kill: status %s, interrupted %q, s1 %s, vars %v",
				before.Status, before.Interrupted, before.StepState("s1"), before.Facts)
		}
		if rr.err != nil {
			t.Fatal(rr.err)
		}
		// each step once; s2 checked instead of re-run; s3 saw s1's variable
		want := []string{"s1", "s2", "check-s2", "s3 from-s1", "s4", "s5"}
		if got := readLines(t, filepath.Join(dir, "log")); !reflect.DeepEqual(got, want) {
			t.Fatalf("log %q, want %q", got, want)
		}
		if got := rr.types(); !reflect.DeepEqual(got, []string{"end:s2:done", "start:s3", "end:s3:done", "start:s4", "end:s4:done",
			"gate:s5", "start:s5", "end:s5:done", "finished"}) {
			t.Fatalf("resumed run events %v", got)
		}
		after := checkJournalComplete(t, dir)
		if !after.Step("s2").Rechecked {
			t.Fatal("s2 is not journaled as re-checked")
		}
	})
	t.Run("killed before the running step's effect: re-checked, run once", func(t *testing.T) {
		dir := t.TempDir()
		runAndKill(t, dir, "s2-before")
		_, rr := resumeWindow(t, dir, crashYes)
		if rr.err != nil {
			t.Fatal(rr.err)
		}
		want := []string{"s1", "check-s2", "s2", "s3 from-s1", "s4", "s5"}
		if got := readLines(t, filepath.Join(dir, "log")); !reflect.DeepEqual(got, want) {
			t.Fatalf("log %q, want %q", got, want)
		}
		checkJournalComplete(t, dir)
	})
	t.Run("killed in a step with no Check: the deployer is asked, enter stops", func(t *testing.T) {
		dir := t.TempDir()
		runAndKill(t, dir, "s4-before")
		_, rr := resumeWindow(t, dir, enter)
		if !errors.Is(rr.err, ErrDeclined) || len(rr.gates) != 1 || rr.gates[0].StepID != "s4" ||
			!strings.Contains(rr.gates[0].Gate.Prompt, "was running when porthole stopped") || rr.gates[0].Gate.Default != "n" {
			t.Fatalf("resume of an unchecked step: err %v, gates %+v", rr.err, rr.gates)
		}
		if got := readLines(t, filepath.Join(dir, "log")); !reflect.DeepEqual(got, []string{"s1", "s2", "s3 from-s1"}) {
			t.Fatalf("log %q: something ran after the deployer said no", got)
		}
		// asked again, the deployer says it completed: s4 is not re-run, s5 runs
		_, rr = resumeWindow(t, dir, func(g GateRequest) Decision {
			if g.StepID == "s4" {
				return Decision{Choice: "d", By: "bob"}
			}
			return crashYes(g)
		})
		if rr.err != nil {
			t.Fatal(rr.err)
		}
		if got := readLines(t, filepath.Join(dir, "log")); !reflect.DeepEqual(got, []string{"s1", "s2", "s3 from-s1", "s5"}) {
			t.Fatalf("log %q", got)
		}
	})
}

// checkJournalComplete asserts that the journal of a resumed window holds both runs, whole.
func checkJournalComplete(t *testing.T, dir string) *journal.WindowState {
	t.Helper()
	path := filepath.Join(journal.WindowsDir(filepath.Join(dir, "state")), crashWindow+".jsonl")
	recs := readRecords(t, path) // strict: every line whole, seq without gaps
	w, err := journal.LoadWindow(path)
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != journal.StatusOK || w.Resumes != 1 || w.Torn != 0 {
		t.Fatalf("window status %s, resumes %d, torn %d", w.Status, w.Resumes, w.Torn)
	}
	for _, id := range []string{"s1", "s2", "s3", "s4", "s5"} {
		if w.StepState(id) != Done {
			t.Errorf("%s is %s", id, w.StepState(id))
		}
	}
	resumeAt := -1
	starts := map[string]int{}
	for i, r := range recs {
		if r.Type == journal.RecWindowResume {
			resumeAt = i
		}
		if r.Type == journal.RecStepStart {
			starts[r.Step]++
		}
	}
	if resumeAt < 0 || recs[0].Type != journal.RecWindowStart {
		t.Fatalf("journal lacks its window-start or window-resume")
	}
	if starts["s1"] != 1 {
		t.Errorf("s1 started %d times", starts["s1"])
	}
	// the first run's output survived the kill
	var s1out bool
	for _, r := range recs[:resumeAt] {
		if r.Type == journal.RecOutput && r.Step == "s1" && strings.HasPrefix(r.Text, "$ echo s1") {
			s1out = true
		}
	}
	if !s1out {
		t.Error("s1's output from before the kill is not in the journal")
	}
	return w
}

func TestResumeRefusesAPlanThatChanged(t *testing.T) {
	Register("shrinking", func(_ context.Context, _ *Env, p map[string]string) (*Plan, error) {
		return &Plan{Steps: []*Step{shStep("a", config.RoleLocal, "true")}}, nil
	})
	state := &journal.WindowState{ID: "w", Kind: "shrinking", Status: journal.StatusUnfinished}
	state.Steps = []*journal.StepLog{{StepSummary: journal.StepSummary{ID: "a"}, State: Done}, {StepSummary: journal.StepSummary{ID: "b", Title: "B"}, State: Done}}
	_, _, err := Resume(context.Background(), &Env{}, state)
	if err == nil || !strings.Contains(err.Error(), `step "b"`) {
		t.Fatalf("Resume of a changed plan: %v", err)
	}
	state.Status = journal.StatusOK
	if _, _, err := Resume(context.Background(), &Env{}, state); err == nil {
		t.Fatal("a finished window was resumed")
	}
}
