package window_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
)

// deployRun runs cmd on the sandbox's deploy host with env.
func runOnDeploy(t *testing.T, env *runbooks.Env, cmd remote.Command) remote.Result {
	t.Helper()
	ex, err := env.Hosts.One(config.RoleDeploy)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Keep = true
	res, err := ex.Run(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSandboxBackportLock: a window waits for the backport lock a running
// scap backport holds (saying who holds it and why), then holds it for its
// whole duration, so that scap backport is refused meanwhile with scap's
// own message, and releases it at the end.
func TestSandboxBackportLock(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	env.Config.LockWait = time.Minute
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	held := make(chan remote.Result, 1)
	go func() {
		held <- runOnDeploy(t, env, remote.Command{Cmd: "scap backport 999", Env: map[string]string{"SANDBOX_BACKPORT_HOLD": "2"}})
	}()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(lockFile); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var notes []string
	var during remote.Result
	var lockText []byte
	_, err := runbookstest.RunPlan(t, env, p, func(e runbooks.Event) {
		switch ev := e.(type) {
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
		case runbooks.StepStarted:
			if ev.StepID == "sync-testservers" {
				lockText, _ = os.ReadFile(lockFile)
				during = runOnDeploy(t, env, remote.Command{Cmd: "scap backport 1234", Env: map[string]string{"SANDBOX_LOCK_WAIT": "0"}})
			}
		}
	})
	if err != nil {
		t.Fatalf("window: %v", err)
	}
	if r := <-held; r.ExitCode != 0 {
		t.Fatalf("the first scap backport: exit %d %s", r.ExitCode, r.Stderr)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "scap.backport.lock is held by "+osUser(t)+" (Backport for 999): waiting") {
		t.Errorf("no note says who holds the lock and why:\n%s", all)
	}
	if !strings.Contains(string(lockText), "porthole window "+p.ID) {
		t.Errorf("mid-window the lock holds %q, not this window's reason", lockText)
	}
	if during.ExitCode != 1 || !strings.Contains(string(during.Stderr), `Failed to acquire lock "/var/lock/scap.backport.lock"; owner is "`+osUser(t)+`"; reason is "Backport: `) {
		t.Errorf("scap backport during the window: exit %d, stderr %s", during.ExitCode, during.Stderr)
	}
	if _, err := os.Stat(lockFile); !os.IsNotExist(err) {
		t.Errorf("the window left its lock behind: %v", err)
	}
}

// TestSandboxGlobalLockStopsAWindow: with scap locked for everyone, the
// window stops at the lock step, right after pre-flight, with scap's message, before any vote.
func TestSandboxGlobalLockStopsAWindow(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	g := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap-global-lock")
	if err := os.MkdirAll(filepath.Dir(g), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(g, []byte("datacenter switchover"), 0o644); err != nil {
		t.Fatal(err)
	}
	var started []string
	_, err := runbookstest.RunPlan(t, env, p, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepStarted); ok {
			started = append(started, ev.StepID)
		}
	})
	if err == nil || !strings.Contains(err.Error(), `Failed to acquire lock "`+g+`"; owner is "`+osUser(t)+`"; reason is "datacenter switchover"`) {
		t.Fatalf("window under the global lock: %v", err)
	}
	if strings.Join(started, " ") != "preflight backport-lock" { // stopped before any vote
		t.Errorf("steps started: %v", started)
	}
}

// osUser owns the files the sandbox's hosts write (stat -c %U names it).
func osUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// stopAt runs p answering yes to every gate until the gate of step stopAt,
// answered no; it returns the window's error.
func stopAt(t *testing.T, env *runbooks.Env, p *runbooks.Plan, stopAt string) error {
	t.Helper()
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
	r.Start(context.Background())
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			choice := "y"
			if ev.StepID == stopAt {
				choice = "n"
			}
			ev.Answer(runbooks.Decision{Choice: choice, By: env.User, At: time.Now()})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	return runErr
}

// nextWindow builds another window on the core change (its own id: built
// within the same second) and runs it, answering yes; it returns its notes
// and error.
func nextWindow(t *testing.T, env *runbooks.Env, sb *sandbox.Sandbox, id string) ([]string, error) {
	t.Helper()
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["core"])})
	if err != nil {
		t.Fatal(err)
	}
	p.ID = id
	var notes []string
	_, err = runbookstest.RunPlan(t, env, p, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepNote); ok {
			notes = append(notes, ev.Text)
		}
	})
	return notes, err
}

// mustFind is window id's journal.
func mustFind(t *testing.T, env *runbooks.Env, id string) string {
	t.Helper()
	path, err := journal.FindWindow(config.StateDir(env.Config), id)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// resumable is what the journal list says of window id.
func resumable(t *testing.T, env *runbooks.Env, id string) bool {
	t.Helper()
	all, err := journal.ListWindows(config.StateDir(env.Config))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range all {
		if w.ID == id {
			return w.Resumable
		}
	}
	t.Fatalf("window %s is not listed", id)
	return false
}

// TestSandboxDeclinedWindowsLockIsReleased: a window declined at its +2,
// when it had only checked the hosts and taken the lock, ended there (it
// cannot resume: nothing was done that a new window would not do again)
// and released the lock, as scap backport does when told no; the next
// window takes the lock and deploys. (Before, the declined window could
// resume and kept the lock, and the next window waited lock_wait, 10
// minutes, for a lock nothing would release.)
func TestSandboxDeclinedWindowsLockIsReleased(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, file, before := coreWindow(t)
	env.Config.LockWait = time.Minute
	if err := stopAt(t, env, p, "approve-"+strconv.Itoa(sb.Changes["core"])); !errors.Is(err, runbooks.ErrDeclined) {
		t.Fatalf("the first window: %v", err)
	}
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	if b, err := os.ReadFile(lockFile); err == nil {
		t.Fatalf("the declined window left its lock: %q", b)
	}
	if resumable(t, env, p.ID) {
		t.Error("a window declined at its +2 after only its pre-flight and lock can be resumed")
	}
	w, err := journal.LoadWindow(mustFind(t, env, p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(w.Steps[1].Notes), "the window was declined before it did anything: "+lockFile+" is released") {
		t.Errorf("the lock step's notes: %v", w.Steps[1].Notes)
	}
	if _, err := nextWindow(t, env, sb, p.ID+"-next"); err != nil {
		t.Fatalf("the next window: %v", err)
	}
	if got, _ := sb.ReadAppServerFile("mw1001", file); string(got) == string(before) {
		t.Error("the next window did not deploy")
	}
}

// TestSandboxStoppedWindowsLockStopsTheNext: a window that stopped after
// its +2, rebase and test servers (declined at the sync to the app
// servers) can resume and keeps the lock: staging and the test servers
// hold its change. A new window does not wait lock_wait for it: its lock
// step fails at once, naming the window to resume or abandon. Once that
// window is abandoned, the next one takes the lock over and deploys.
func TestSandboxStoppedWindowsLockStopsTheNext(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	env.Config.LockWait = 3 * time.Second // were it waited for, the window would fail saying so
	stop := ""                            // the sync to the app servers: the first production-visible step after the +2
	for _, s := range p.Steps {
		if s.Irreversible && !strings.HasPrefix(s.ID, "approve-") && stop == "" {
			stop = s.ID
		}
	}
	if err := stopAt(t, env, p, stop); !errors.Is(err, runbooks.ErrDeclined) {
		t.Fatalf("the first window: %v", err)
	}
	if !resumable(t, env, p.ID) {
		t.Fatal("a window declined after its +2 cannot be resumed")
	}
	_, err := nextWindow(t, env, sb, p.ID+"-second")
	if err == nil || !strings.Contains(err.Error(), "window "+p.ID+" stopped") || !strings.Contains(err.Error(), "can still be resumed") ||
		!strings.Contains(err.Error(), "porthole run --resume "+p.ID) {
		t.Fatalf("the second window: %v", err)
	}
	path, err := journal.FindWindow(config.StateDir(env.Config), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.Abandon(path, env.User, time.Now()); err != nil {
		t.Fatal(err)
	}
	// the third window gets the lock; it then stops at its review, rightly:
	// staging already holds change 1000, rebased by the abandoned window
	notes, err := nextWindow(t, env, sb, p.ID+"-third")
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "was left by window "+p.ID+", which was abandoned, finished or reverted: removing it") ||
		!strings.Contains(all, "(porthole window "+p.ID+"-third by ") {
		t.Errorf("the window after the abandon did not take the lock over; notes:\n%s", all)
	}
	if err == nil || !strings.Contains(err.Error(), "is already in HEAD") {
		t.Errorf("the window after the abandon: %v", err)
	}
}
